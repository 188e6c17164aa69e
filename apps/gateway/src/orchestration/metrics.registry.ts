import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

type Labels = Record<string, string>;

function key(name: string, labels?: Labels): string {
  if (!labels) return name;
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, '_')}"`);
  return `${name}{${parts.join(',')}}`;
}

/** What each metric counted here means (Prometheus `# HELP`); modules may add theirs by describe(). */
const HELP: Record<string, string> = {
  dmb_job_transitions_total: 'Job state changes seen by this process, by the state entered',
  dmb_job_duration_seconds: 'Time from job creation to its terminal state, by that state',
  dmb_cp_receipts_total: 'SMS delivery receipts for CP pushes and wake-ups, by outcome',
  dmb_device_contacts_total: 'Devices that contacted the gateway, by protocol',
  dmb_jobs_expired_total: 'Jobs that reached their deadline before finishing',
  dmb_wakeups_total: 'Wake-up attempts (SMS, Contact-Me), by protocol and outcome',
  dmb_webhook_deliveries_total:
    'Webhook delivery attempts, by outcome (delivered, retry, dead-letter)',
  dmb_http_request_duration_seconds:
    'Operator API request duration, by method, route template and status code',
  dmb_dm_sessions_total:
    'OMA DM sessions with handsets that ended, by outcome (the session end reason: completed, timeout, auth-failed…)',
  dmb_workpoint_interactions_total:
    'Workpoint (DLS) phone requests, by outcome (opened, continued, ended, unidentified, lock-expired, error)',
};

/**
 * In-process Prometheus counters and histograms (each process reports its own; Prometheus sums).
 * Gauges read from Redis (jobs by state, queue depths) are added by the /metrics handler at scrape.
 * Any feature module may count through it: SMS submits, sessions, receipts…
 */
@Injectable()
export class MetricsRegistry {
  private readonly counters = new Map<string, number>();
  private readonly help = new Map<string, string>();
  private readonly histograms = new Map<
    string,
    { buckets: number[]; counts: number[]; sum: number; count: number }
  >();
  private static readonly BUCKETS = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
  ];
  /** Node and process metrics (CPU, memory, event-loop lag, GC, handles), from prom-client. */
  private readonly process = new Registry();

  constructor() {
    for (const [name, help] of Object.entries(HELP)) this.help.set(name, help);
    collectDefaultMetrics({ register: this.process, prefix: 'dmb_' });
  }

  /** The process metrics in the text format. */
  processMetrics(): Promise<string> {
    return this.process.metrics();
  }

  describe(name: string, help: string): void {
    this.help.set(name, help);
  }

  inc(name: string, labels?: Labels, by = 1): void {
    const k = key(name, labels);
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  observe(name: string, seconds: number, labels?: Labels): void {
    const k = key(name, labels);
    let h = this.histograms.get(k);
    if (!h) {
      h = {
        buckets: MetricsRegistry.BUCKETS,
        counts: MetricsRegistry.BUCKETS.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.histograms.set(k, h);
    }
    h.buckets.forEach((b, i) => seconds <= b && h!.counts[i]++);
    h.sum += seconds;
    h.count++;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(
    gauges: { name: string; help: string; values: [Labels | undefined, number][] }[] = [],
  ): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    const header = (name: string, type: string, help?: string) => {
      if (typed.has(name)) return;
      typed.add(name);
      const text = help ?? this.help.get(name) ?? `dm-bridge ${type} ${name.replace(/_/g, ' ')}`;
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
    };
    for (const [k, v] of [...this.counters].sort()) {
      header(k.split('{')[0], 'counter');
      lines.push(`${k} ${v}`);
    }
    for (const [k, h] of this.histograms) {
      const [name, rest] = k.split('{');
      const labels = rest ? rest.slice(0, -1) + ',' : '';
      header(name, 'histogram');
      h.buckets.forEach((b, i) => lines.push(`${name}_bucket{${labels}le="${b}"} ${h.counts[i]}`));
      lines.push(`${name}_bucket{${labels}le="+Inf"} ${h.count}`);
      lines.push(
        `${name}_sum${rest ? '{' + rest : ''} ${h.sum}`,
        `${name}_count${rest ? '{' + rest : ''} ${h.count}`,
      );
    }
    for (const g of gauges) {
      header(g.name, 'gauge', g.help);
      for (const [labels, v] of g.values) lines.push(`${key(g.name, labels)} ${v}`);
    }
    return lines.join('\n') + '\n';
  }
}
