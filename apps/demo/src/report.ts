import type { DemoDevice, Protocol } from './demo-fleet';

/** A job as GET /v1/jobs lists it (the fields the summary uses). */
export interface JobView {
  id: string;
  deviceId: string;
  protocol: Protocol;
  state: string;
  createdAt: number | string;
  updatedAt: number | string;
  faults?: Array<{ code: string; message: string }>;
  results?: Array<{ status: string; code?: unknown; message?: string }>;
}

export const TERMINAL = ['succeeded', 'partial', 'failed', 'expired', 'cancelled', 'unconfirmed'];

const ms = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t));

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** DM status codes a demo device answers with (OMA DM Representation §10). */
const DM_STATUS: Record<string, string> = {
  '404': 'not found',
  '405': 'command not allowed',
  '425': 'permission denied',
};

/** Why a job did not succeed, in a few words: its first failed result, else its last fault. */
export function reason(job: JobView): string {
  const failed = job.results?.find((r) => r.status === 'failed');
  if (failed) {
    const code = failed.code === undefined ? '' : String(failed.code);
    const text = failed.message ?? (job.protocol === 'omadm' ? DM_STATUS[code] : undefined) ?? '';
    const head = /^\d+$/.test(code) ? `status ${code}` : code;
    return `${head}${head && text ? ': ' : ''}${text}`;
  }
  const fault = job.faults?.at(-1);
  // the attempt count differs from device to device; the reason is the same
  if (fault)
    return `${fault.code}: ${fault.message.replace(/after \d+ wake-up/, 'after repeated wake-up')}`;
  return job.state;
}

export interface ProtocolSummary {
  protocol: Protocol;
  byState: Record<string, number>;
  /** reason -> count, for jobs that did not succeed */
  reasons: Record<string, number>;
  p50: number;
  p95: number;
}

export function summarise(protocol: Protocol, jobs: JobView[]): ProtocolSummary {
  const byState: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const times: number[] = [];
  for (const j of jobs) {
    byState[j.state] = (byState[j.state] ?? 0) + 1;
    if (j.state !== 'succeeded') {
      const r = `${j.state}: ${reason(j).slice(0, 110)}`;
      reasons[r] = (reasons[r] ?? 0) + 1;
    }
    // time to done: jobs that ended by the device's answer (an expiry is the deadline, not a time)
    if (['succeeded', 'partial', 'failed', 'unconfirmed'].includes(j.state))
      times.push(ms(j.updatedAt) - ms(j.createdAt));
  }
  return { protocol, byState, reasons, p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Differences between the expected and the actual final state, one line per device. */
export function compare(fleet: DemoDevice[], jobs: JobView[]): string[] {
  const byDevice = new Map(jobs.map((j) => [j.deviceId, j]));
  const out: string[] = [];
  for (const d of fleet) {
    const j = byDevice.get(d.id);
    if (!j) out.push(`${d.id} (${d.behaviour}): no job`);
    else if (j.state !== d.expect)
      out.push(`${d.id} (${d.behaviour}): expected ${d.expect}, got ${j.state} (${reason(j)})`);
  }
  return out;
}

/** What the device itself shows: the value applied, or not, as the behaviour says. */
export function compareApplied(
  fleet: DemoDevice[],
  applied: Record<string, Record<string, Record<string, number>>>,
  keys: { workpoint: [string, string]; omadm: [string, string]; omacp: [string, string] },
): string[] {
  const out: string[] = [];
  for (const d of fleet) {
    const deviceKey =
      d.protocol === 'workpoint' ? d.mac! : d.protocol === 'omadm' ? d.devId! : d.msisdn!;
    const [key, value] = keys[d.protocol];
    const seen = (applied[deviceKey]?.[key]?.[value] ?? 0) > 0;
    if (seen !== d.applies)
      out.push(
        `${d.id} (${d.behaviour}): the device ${seen ? 'applied' : 'did not apply'} ${key}=${value}`,
      );
  }
  return out;
}
