import { GatewayRole } from '../support/processes';
import { ResilienceRun, RunOptions } from './run';
import { CaseVerdict, judge } from './verdict';

/**
 * The resilience cases of issue 10, shared by the jest suite (test/resilience/*.e2e.ts) and
 * `npm run bench:resilience`. Each starts its own processes, runs campaigns through the REST
 * API, injects its fault at a chosen job state, lets the system recover and judges the result.
 */
export interface ResilienceCase {
  name: string;
  /** what the case injects (docs/core.md lists these) */
  injects: string;
  /** duplicate applications are allowed (a session or an SMS window was cut); they are counted */
  atLeastOnce: boolean;
  options: Omit<RunOptions, 'name'>;
  /** injects the fault; resolves with the time the system was whole again, plus extra figures */
  fault(run: ResilienceRun): Promise<{ recoveredAt: number; extra?: Record<string, number> }>;
  /** how long the jobs get to finish after the fault (default 60 s) */
  settleMs?: number;
  /** further expectations of the case: each broken one is a line */
  check?(v: CaseVerdict): string[];
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** SIGKILL of one `all` gateway once `min` jobs are in `state`, then a restart. */
function killAllGatewayWhen(
  state: string,
  min: number,
  orShare: number,
  setup?: (run: ResilienceRun) => Promise<void>,
  after?: (run: ResilienceRun) => Promise<void>,
): ResilienceCase['fault'] {
  return async (run) => {
    await setup?.(run);
    await run.startCampaigns(state === 'waking' ? 300 : 100);
    const seen = await run.whenInState(state, min, orShare);
    const gw = run.gateways[0];
    await gw.stop('SIGKILL');
    await after?.(run);
    await gw.start({ ready: false });
    return { recoveredAt: Date.now(), extra: { [`${state}_at_kill`]: seen } };
  };
}

const dmLatency = (latencyMs: number) => async (run: ResilienceRun) => {
  await run.simulator.control('/dm', { latencyMs });
};
const wpLatency = (latencyMs: number) => async (run: ResilienceRun) => {
  await run.simulator.control('/wp', { latencyMs });
};

const DM = 150;
const WP = 100;
const CP = 120;

export const CASES: ResilienceCase[] = [
  {
    name: 'dm-sigkill-waking',
    injects:
      'SIGKILL of the only `all` gateway while DM jobs are `waking` (fan-out at 300/s), restart',
    atLeastOnce: true,
    options: { devices: { dm: DM } },
    fault: killAllGatewayWhen('waking', 3, 0.4),
  },
  {
    name: 'dm-sigkill-in-session',
    injects: 'SIGKILL while DM sessions run (300 ms per message), restart',
    atLeastOnce: true,
    options: { devices: { dm: DM } },
    fault: killAllGatewayWhen('in-session', 20, Infinity, dmLatency(300), dmLatency(0)),
  },
  {
    name: 'dm-sigkill-awaiting-contact',
    injects: 'SIGKILL while DM jobs wait for the handsets (1.5 s to connect), restart',
    atLeastOnce: true,
    options: { devices: { dm: DM } },
    fault: killAllGatewayWhen('awaiting-contact', 30, Infinity, dmLatency(1500), dmLatency(0)),
  },
  {
    name: 'wp-sigkill-waking',
    injects: 'SIGKILL while Workpoint jobs are `waking` (fan-out at 300/s), restart',
    atLeastOnce: true,
    options: { devices: { wp: WP } },
    fault: killAllGatewayWhen('waking', 3, 0.4),
  },
  {
    name: 'wp-sigkill-in-session',
    injects: 'SIGKILL while Workpoint interactions run (300 ms per message), restart',
    atLeastOnce: true,
    options: { devices: { wp: WP } },
    fault: killAllGatewayWhen('in-session', 15, Infinity, wpLatency(300), wpLatency(0)),
  },
  {
    name: 'wp-sigkill-awaiting-contact',
    injects: 'SIGKILL while Workpoint jobs wait for the phones (1.5 s to call back), restart',
    atLeastOnce: true,
    options: { devices: { wp: WP } },
    fault: killAllGatewayWhen('awaiting-contact', 20, Infinity, wpLatency(1500), wpLatency(0)),
  },
  {
    name: 'sigkill-bind-owner',
    injects: 'SIGKILL of the worker that owns the SMPP bind (api + 2 workers), no restart',
    atLeastOnce: true,
    options: {
      devices: { dm: 80, cp: CP },
      roles: ['api', 'worker', 'worker'] as GatewayRole[],
      bindParams: '&rate=40',
    },
    fault: async (run) => {
      await run.until(async () => !!(await run.bindOwner()), 'a bind owner', 20_000);
      await run.startCampaigns();
      await run.whenInState('awaiting-contact', 10);
      const owner = (await run.bindOwner())!;
      await owner.stop('SIGKILL');
      return { recoveredAt: Date.now() };
    },
  },
  {
    name: 'two-gateways-one-killed',
    injects: 'two `all` gateways behind a balancer, one SIGKILLed mid-campaign, no restart',
    atLeastOnce: true,
    options: { devices: { dm: 100, wp: 80 }, roles: ['all', 'all'] as GatewayRole[] },
    fault: async (run) => {
      await dmLatency(200)(run);
      await wpLatency(200)(run);
      await run.startCampaigns();
      await run.whenInState('in-session', 15);
      await run.gateways[0].stop('SIGKILL');
      await dmLatency(0)(run);
      await wpLatency(0)(run);
      return { recoveredAt: Date.now() };
    },
  },
  ...(['SIGTERM', 'SIGKILL'] as const).map((signal): ResilienceCase => ({
    name: `redis-${signal.toLowerCase()}`,
    injects: `Redis ${signal} mid-campaign, restarted from its AOF after 2 s`,
    atLeastOnce: true,
    options: { devices: { dm: 100, cp: 80, wp: 60 } },
    fault: async (run) => {
      await dmLatency(200)(run);
      await run.startCampaigns();
      await run.whenInState('in-session', 10);
      await run.redis.restart(signal, 2000);
      await dmLatency(0)(run);
      return { recoveredAt: Date.now() };
    },
  })),
  {
    name: 'smsc-killed-full-window',
    injects: 'the SMSC stops answering, drops the bind with 10 submits unanswered, is down 3 s',
    atLeastOnce: true,
    options: { devices: { dm: 80, cp: CP }, bindParams: '&rate=50&window=10' },
    fault: async (run) => {
      await run.startCampaigns();
      await run.whenInState('awaiting-contact', 10);
      const r = await run.simulator.control('/smsc/kill-window', { pending: 10, downMs: 3000 });
      return { recoveredAt: Date.now() + 3000, extra: { unanswered: r.unanswered } };
    },
  },
  {
    name: 'smsc-throttle-episode',
    injects:
      '10 s of ESME_RTHROTTLED, 20 generic_nack and 40 ESME_RSYSERR (temporary), from the start',
    atLeastOnce: true,
    options: { devices: { dm: 80, cp: CP } },
    fault: async (run) => {
      await run.simulator.control('/smsc/episode', {
        nack: 20,
        throttleMs: 10_000,
        fail: 40,
        failStatus: 0x08,
      });
      const at = Date.now();
      await run.startCampaigns();
      return { recoveredAt: at };
    },
  },
  {
    name: 'smsc-bind-refused',
    injects: 'the bind dropped and every bind refused (ESME_RBINDFAIL) for 8 s from the start',
    atLeastOnce: false,
    options: { devices: { dm: 80, cp: CP } },
    fault: async (run) => {
      await run.simulator.control('/smsc/refuse-binds', { ms: 8000 });
      const at = Date.now();
      await run.startCampaigns();
      return { recoveredAt: at + 8000 };
    },
  },
  {
    name: 'sigterm-sessions-in-flight',
    injects: 'SIGTERM while DM and Workpoint sessions run; exit time and SMS after SIGTERM counted',
    atLeastOnce: true,
    options: { devices: { dm: 100, wp: 60 }, bindParams: '&rate=30' },
    fault: async (run) => {
      await dmLatency(250)(run);
      await wpLatency(250)(run);
      await run.startCampaigns();
      await run.whenInState('in-session', 15);
      const gw = run.gateways[0];
      const before = (await run.simulator.control('/counts')).smsc.submits as number;
      const t0 = Date.now();
      const exit = await gw.stop('SIGTERM', 60_000);
      const exitMs = Date.now() - t0;
      const sms = (await run.simulator.control('/counts')).smsc.submits - before;
      await dmLatency(0)(run);
      await wpLatency(0)(run);
      await gw.start({ ready: false });
      return {
        recoveredAt: Date.now(),
        extra: {
          exit_ms: exitMs,
          sms_after_sigterm: sms,
          killed: exit?.signal === 'SIGKILL' ? 1 : 0,
        },
      };
    },
    // out within SHUTDOWN_GRACE_MS (5 s here) on its own; no wake-up SMS once the signal came
    // (at 30/s, up to 3 submits already on the wire when it came may still reach the SMSC)
    check: (v) => [
      ...(v.extra.killed || v.extra.exit_ms > 6000
        ? [`exit took ${v.extra.exit_ms} ms (killed: ${v.extra.killed})`]
        : []),
      ...(v.extra.sms_after_sigterm > 3 ? [`${v.extra.sms_after_sigterm} SMS after SIGTERM`] : []),
    ],
  },
  {
    name: 'dm-session-longer-than-lock-ttl',
    injects: 'DM sessions of several 1 s messages under SESSION_LOCK_TTL_MS=1500',
    atLeastOnce: false,
    // re-wakes of devices that have not called yet come after 8 s, well after the 1 s the
    // handsets take to connect: a second package #0 can only come from a session declared lost
    options: {
      devices: { dm: 40 },
      env: {
        SESSION_LOCK_TTL_MS: '1500',
        WAKE_BACKOFF_BASE_MS: '8000',
        WAKE_BACKOFF_MAX_MS: '8000',
      },
    },
    fault: async (run) => {
      await dmLatency(1000)(run);
      const at = Date.now();
      await run.startCampaigns();
      return { recoveredAt: at };
    },
    settleMs: 60_000,
    // a live session is not declared lost: one wake-up (package #0) per job, not a second
    check: (v) =>
      v.extra.dmNotifications > v.jobs
        ? [`${v.extra.dmNotifications - v.jobs} extra wake-ups of devices in a live session`]
        : [],
  },
];

/** Runs one case from start to verdict; processes are always cleaned up (logs kept on failure). */
export async function runCase(c: ResilienceCase): Promise<CaseVerdict> {
  const run = new ResilienceRun({ name: c.name, ...c.options });
  let verdict: CaseVerdict | undefined;
  try {
    await run.start();
    const { recoveredAt, extra } = await c.fault(run);
    const jobs = await run.settle(c.settleMs ?? 60_000);
    verdict = await judge(run, jobs, recoveredAt, extra);
    const counts = await run.simulator.control('/counts');
    verdict.extra = { ...verdict.extra, ...flatStats(counts) };
    verdict.broken = c.check?.(verdict) ?? [];
    return verdict;
  } finally {
    const clean =
      !!verdict &&
      verdict.unfinished === 0 &&
      verdict.transientFailures === 0 &&
      verdict.missingApplications === 0 &&
      verdict.broken.length === 0;
    await run.close(!clean);
  }
}

function flatStats(counts: { stats: Record<string, unknown>; smsc?: Record<string, unknown> }) {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts.stats)) if (typeof v === 'number') out[k] = v;
  const rejected = (counts.stats.rejected ?? {}) as Record<string, number>;
  for (const [k, v] of Object.entries(rejected)) out[`rejected_${k}`] = v;
  if (counts.smsc) out.smsc_submits = Number(counts.smsc.submits);
  if (counts.smsc) out.smsc_max_per_s = Number(counts.smsc.maxPerSecond);
  return out;
}

export { sleep };
