import { DM_NODE, WP_ITEM } from './fleet-plan';
import { JobView, ms, ResilienceRun, TERMINAL } from './run';

type Applied = Record<string, Record<string, Record<string, number>>>;

export interface CaseVerdict {
  case: string;
  jobs: number;
  byState: Record<string, number>;
  /** not terminal and without a next step due before the deadline (or overdue by over 15 s) */
  stuck: number;
  /** not terminal when the run ended: every device of a run answers, so every job should finish */
  unfinished: number;
  /** failed, expired or partial: every device of a run is valid, so any such end has a transient cause */
  transientFailures: number;
  /**
   * from the end of the fault (restart, SMSC back, …) to the last job turning terminal; with
   * unfinished jobs, to the end of the run (a lower bound)
   */
  recoveryS: number;
  /** applications beyond the first, summed over devices */
  duplicateApplications: number;
  /** succeeded jobs whose value the device never applied */
  missingApplications: number;
  /** extra figures of the case (SMS after SIGTERM, exit time, …) */
  extra: Record<string, number>;
  /** the first few stuck or failed jobs, for the report */
  samples: string[];
  /** the first errors the devices saw (session cut, auth refused, …), for the report */
  deviceErrors: string[];
  /** what the simulated devices counted (notifications, sessions, rejections) */
  deviceStats?: Record<string, unknown>;
  /** the case's own expectations that failed */
  broken: string[];
  logDir: string;
}

/** Judges a run: job states from the API, application counts from the devices. */
export async function judge(
  run: ResilienceRun,
  jobs: JobView[],
  recoveredAt: number,
  extra: Record<string, number> = {},
): Promise<CaseVerdict> {
  const counts = await run.simulator.control<{
    applied: Applied;
    errors: string[];
    stats: Record<string, unknown>;
  }>('/counts');
  const deviceKey = new Map<string, [string, string]>();
  for (const d of run.plan.dm) deviceKey.set(d.id, [d.devId, DM_NODE]);
  for (const d of run.plan.cp) deviceKey.set(d.id, [d.msisdn, 'document']);
  for (const d of run.plan.wp) deviceKey.set(d.id, [d.mac, WP_ITEM]);
  const byState: Record<string, number> = {};
  let unfinished = 0;
  let transientFailures = 0;
  let duplicates = 0;
  let missing = 0;
  let lastTerminal = recoveredAt;
  let stuck = 0;
  const now = Date.now();
  const samples: string[] = [];
  const sample = (j: JobView, why: string) => {
    if (samples.length < 8)
      samples.push(
        `${why} ${j.id} ${j.deviceId} ${j.state} next=${j.nextStepAt ?? '-'} attempts=${JSON.stringify(j.attempts.slice(-3))} faults=${JSON.stringify(j.faults.slice(-2))}`,
      );
  };
  for (const j of jobs) {
    byState[j.state] = (byState[j.state] ?? 0) + 1;
    const [dev, key] = deviceKey.get(j.deviceId) ?? ['', ''];
    const applied = counts.applied[dev]?.[key]?.[run.value] ?? 0;
    if (!TERMINAL.includes(j.state)) {
      unfinished++;
      const next = ms(j.nextStepAt);
      const scheduled = next <= ms(j.deadline) && next >= now - 15_000;
      if (!scheduled) stuck++;
      sample(j, scheduled ? 'unfinished' : 'stuck');
    } else lastTerminal = Math.max(lastTerminal, ms(j.updatedAt));
    if (['failed', 'expired', 'partial'].includes(j.state)) {
      transientFailures++;
      sample(j, 'failed');
    }
    if (applied > 1) duplicates += applied - 1;
    if (j.state === 'succeeded' && applied === 0) {
      missing++;
      sample(j, 'not applied');
    }
  }
  const missingJobs = run.jobCount - jobs.length;
  if (missingJobs > 0) samples.unshift(`${missingJobs} jobs never created by the fan-out`);
  return {
    case: run.options.name,
    jobs: jobs.length,
    byState,
    stuck: stuck + Math.max(0, missingJobs),
    unfinished,
    transientFailures,
    recoveryS: Math.round(((unfinished ? now : lastTerminal) - recoveredAt) / 100) / 10,
    duplicateApplications: duplicates,
    missingApplications: missing,
    extra,
    samples,
    deviceErrors: counts.errors.slice(-5),
    deviceStats: counts.stats,
    broken: [],
    logDir: run.logDir,
  };
}
