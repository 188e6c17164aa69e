/**
 * The pure half of `npm run bench` (bench/run-all.ts): parses the JSON lines every benchmark
 * prints, finds each figure's floor (the target the project set for it) and the reference it is
 * compared with, and renders docs/performance.md and docs/performance.json. No I/O here, so
 * test/bench/bench-report.spec.ts can feed it lines and read the table.
 */

/** One figure as a benchmark prints it: `{"bench","case","metric","value","unit", …extra}`. */
export interface BenchLine {
  bench: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

export interface BenchError {
  bench?: string;
  case?: string;
  error: string;
}

export interface ParsedOutput {
  lines: BenchLine[];
  /** lines of the form `{"bench", "case", "error"}` (a case that could not run) */
  errors: BenchError[];
  /** non-empty output lines that are not benchmark JSON (log text, a stack trace) */
  ignored: number;
}

/** Splits a benchmark's stdout into figures, error lines and the rest. */
export function parseBenchOutput(text: string): ParsedOutput {
  const out: ParsedOutput = { lines: [], errors: [], ignored: 0 };
  for (const raw of text.split('\n')) {
    const s = raw.trim();
    if (!s) continue;
    let o: unknown;
    try {
      o = s.startsWith('{') ? JSON.parse(s) : undefined;
    } catch {
      o = undefined;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      out.ignored++;
      continue;
    }
    const r = o as Record<string, unknown>;
    if (typeof r.error === 'string') {
      out.errors.push({
        bench: typeof r.bench === 'string' ? r.bench : undefined,
        case: typeof r.case === 'string' ? r.case : undefined,
        error: r.error,
      });
    } else if (
      typeof r.bench === 'string' &&
      typeof r.case === 'string' &&
      typeof r.metric === 'string' &&
      typeof r.value === 'number' &&
      typeof r.unit === 'string'
    ) {
      out.lines.push(r as BenchLine);
    } else {
      out.ignored++;
    }
  }
  return out;
}

/** A target: `min` (the figure must be at least) and/or `max` (at most). */
export interface Floor {
  bench: string;
  metric: string;
  /** exact case name, or a pattern; absent: every case of the metric */
  case?: string | RegExp;
  min?: number;
  max?: number;
  /** where the target is written down */
  source: string;
  note?: string;
}

const WBXML_SRC = 'docs/wbxml.md (issue 2), on `dm-server.xml`, docs per CPU-second of one core';
const SMPP_SRC = 'docs/smpp.md (issue 3)';
const DM_SRC = 'docs/omadm.md (issue 4)';
const CAMPAIGN_SRC = 'issue 14 text';
const RESIL_SRC = 'test/resilience/expect-case.ts, docs/core.md';

/** Every target the project states for a benchmark figure. */
export const FLOORS: Floor[] = [
  {
    bench: 'wbxml',
    metric: 'encode_from_xml',
    case: 'dm-server.xml',
    min: 25_000,
    source: WBXML_SRC,
  },
  {
    bench: 'wbxml',
    metric: 'decode_to_xml',
    case: 'dm-server.xml',
    min: 60_000,
    source: WBXML_SRC,
  },
  {
    bench: 'wbxml',
    metric: 'encode_from_tree',
    case: 'dm-server.xml',
    min: 100_000,
    source: WBXML_SRC,
  },
  {
    bench: 'wbxml',
    metric: 'decode_to_tree',
    case: 'dm-server.xml',
    min: 100_000,
    source: WBXML_SRC,
  },
  { bench: 'wap-push', metric: 'cp_push_build_per_s', min: 20_000, source: 'docs/wap-push.md' },
  { bench: 'smpp', metric: 'submit_sm_per_s', min: 10_000, source: SMPP_SRC },
  {
    bench: 'smpp',
    metric: 'rate_limited_per_s',
    case: /limit 200\/s/,
    min: 180,
    max: 200,
    source: SMPP_SRC,
    note: 'the 200/s limit minus the guard: −1 … −10 %',
  },
  {
    bench: 'smpp',
    metric: 'rate_limited_max_1s',
    case: /limit 200\/s/,
    max: 200,
    source: SMPP_SRC,
  },
  {
    bench: 'smpp',
    metric: 'rate_limited_max_fixed_1s',
    case: /limit 200\/s/,
    max: 200,
    source: SMPP_SRC,
  },
  { bench: 'smpp', metric: 'cp_push_build_per_s', min: 20_000, source: SMPP_SRC },
  {
    bench: 'smpp',
    metric: 'cp_push_e2e_per_s',
    min: 2_200,
    source: SMPP_SRC,
    note: 'goal 3,000',
  },
  { bench: 'dm', metric: 'dm_sessions_per_s', case: 'wbxml', min: 800, source: DM_SRC },
  { bench: 'dm', metric: 'dm_sessions_per_s', case: 'xml', min: 600, source: DM_SRC },
  {
    bench: 'dm',
    metric: 'p99_ms',
    case: /half the (800|600) target/,
    max: 25,
    source: DM_SRC,
    note: 'per message, at half the session target',
  },
  { bench: 'dm', metric: 'redis_bytes_per_session', max: 8192, source: DM_SRC },
  {
    bench: 'workpoint',
    metric: 'wp_interactions_per_s',
    case: 'closed-loop',
    min: 800,
    source: 'issue 5, as quoted in issue 14',
  },
  {
    bench: 'campaign',
    metric: 'import_s',
    case: /^import_100000(_cluster)?$/,
    max: 15,
    source: CAMPAIGN_SRC,
    note: '100,000 devices',
  },
  { bench: 'campaign', metric: 'api_get_job_per_s', min: 5_000, source: CAMPAIGN_SRC },
  { bench: 'resilience', metric: 'stuck_jobs', max: 0, source: RESIL_SRC },
  { bench: 'resilience', metric: 'transient_failures', max: 0, source: RESIL_SRC },
  {
    bench: 'resilience',
    metric: 'duplicate_applications',
    case: /^(smsc-bind-refused|dm-session-longer-than-lock-ttl)$/,
    max: 0,
    source: RESIL_SRC,
    note: 'only the cases that cut no session',
  },
];

function caseMatches(want: string | RegExp | undefined, got: string): boolean {
  if (want === undefined) return true;
  return typeof want === 'string' ? want === got : want.test(got);
}

export function floorFor(line: BenchLine, floors: Floor[] = FLOORS): Floor | undefined {
  return floors.find(
    (f) => f.bench === line.bench && f.metric === line.metric && caseMatches(f.case, line.case),
  );
}

export type Verdict = 'pass' | 'fail' | 'none';

export function judge(line: BenchLine, floor: Floor | undefined): Verdict {
  if (!floor) return 'none';
  if (floor.min !== undefined && !(line.value >= floor.min)) return 'fail';
  if (floor.max !== undefined && !(line.value <= floor.max)) return 'fail';
  return 'pass';
}

/** What a figure is compared with, measured by the runner or quoted (and said so). */
export interface Reference {
  id: string;
  /** what it is, e.g. "libwbxml 0.11.8 `xml2wbxml` CLI on dm-server.xml" */
  label: string;
  value?: number;
  unit?: string;
  /** how it was measured, or why it was not */
  note: string;
  /** the figures it stands beside */
  compares: Array<{ bench: string; metric: string; case?: string | RegExp }>;
  extra?: Record<string, unknown>;
  loadBefore?: number[];
  loadAfter?: number[];
}

export function referencesFor(line: BenchLine, refs: Reference[]): Reference[] {
  return refs.filter((r) =>
    r.compares.some(
      (c) => c.bench === line.bench && c.metric === line.metric && caseMatches(c.case, line.case),
    ),
  );
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
}

export interface BenchRun {
  bench: string;
  command: string;
  startedAt: string;
  seconds: number;
  exitCode: number | null;
  /** 1, 5 and 15-minute load averages */
  loadBefore: number[];
  loadAfter: number[];
  lines: BenchLine[];
  errors: BenchError[];
  /** why the benchmark did not run (e.g. resilience without --with-resilience) */
  skipped?: string;
  /** the end of its stderr when it failed */
  stderrTail?: string;
}

export interface Report {
  generatedAt: string;
  commit: string;
  command: string;
  machine: Machine;
  runs: BenchRun[];
  references: Reference[];
  notes: string[];
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return String(n ?? '—');
  return nf.format(n);
}

export function formatFloor(f: Floor | undefined, unit = ''): string {
  if (!f) return '—';
  const u = unit ? ` ${unit}` : '';
  let s: string;
  if (f.min !== undefined && f.max !== undefined)
    s = `${formatNumber(f.min)} … ${formatNumber(f.max)}${u}`;
  else if (f.min !== undefined) s = `≥ ${formatNumber(f.min)}${u}`;
  else s = `≤ ${formatNumber(f.max)}${u}`;
  return f.note ? `${s} (${f.note})` : s;
}

const MARK: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ FAIL', none: '' };

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const load = (l: number[] | undefined) =>
  l?.length ? l.map((x) => x.toFixed(2)).join(' / ') : '—';

function referenceCell(refs: Reference[]): string {
  if (!refs.length) return '—';
  return refs
    .map((r) =>
      r.value === undefined
        ? `${r.label}: not measured`
        : `${r.label}: ${formatNumber(r.value)} ${r.unit ?? ''}`.trim(),
    )
    .join('; ');
}

export interface Tally {
  pass: number;
  fail: number;
  none: number;
}

export function tally(report: Report): Tally {
  const t: Tally = { pass: 0, fail: 0, none: 0 };
  for (const run of report.runs) for (const l of run.lines) t[judge(l, floorFor(l))]++;
  return t;
}

/** docs/performance.md */
export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const t = tally(report);
  const out: string[] = [];
  out.push('# Performance');
  out.push('');
  out.push(
    `Generated by \`${report.command}\` (\`bench/run-all.ts\`) on ${report.generatedAt} at commit ` +
      `\`${report.commit}\`. Do not edit by hand: run it again. The same data, with every extra ` +
      'field the benchmarks print, is in [performance.json](performance.json).',
  );
  out.push('');
  out.push(
    'Each figure stands beside its **floor** (the target the project set for it, with where it is ' +
      'written) and the **reference** it is compared with. The benchmarks run one at a time, but ' +
      'the machine may be running other work: the load averages before and after each run say how ' +
      'busy it was.',
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push('| | |');
  out.push('| --- | --- |');
  out.push(`| CPU | ${cell(m.cpuModel)} |`);
  out.push(`| cores | ${m.cores} |`);
  out.push(`| memory | ${formatNumber(m.memoryGiB)} GiB |`);
  out.push(`| OS | ${cell(m.os)} |`);
  out.push(`| Node | ${m.node} |`);
  out.push(`| Redis | ${m.redis} |`);
  out.push('');
  out.push(
    `**${t.pass + t.fail} figures with a floor: ${t.pass} pass, ${t.fail} below it**` +
      ` (${t.none} more without a floor).`,
  );
  out.push('');
  for (const note of report.notes) out.push(`- ${note}`);
  if (report.notes.length) out.push('');
  for (const run of report.runs) {
    out.push(`## bench:${run.bench}`);
    out.push('');
    if (run.skipped) {
      out.push(`Not run: ${run.skipped}`);
      out.push('');
      continue;
    }
    out.push(
      `\`${run.command}\`: ${formatNumber(run.seconds)} s, exit code ${run.exitCode ?? 'none (killed)'}; ` +
        `load average (1 / 5 / 15 min) before ${load(run.loadBefore)}, after ${load(run.loadAfter)}.`,
    );
    out.push('');
    if (run.lines.length) {
      out.push('| case | metric | value | floor | | reference |');
      out.push('| --- | --- | ---: | --- | --- | --- |');
      for (const l of run.lines) {
        const f = floorFor(l);
        out.push(
          `| ${cell(l.case)} | \`${l.metric}\` | ${formatNumber(l.value)} ${cell(l.unit)} | ` +
            `${cell(formatFloor(f, l.unit))} | ${MARK[judge(l, f)]} | ${cell(referenceCell(referencesFor(l, report.references)))} |`,
        );
      }
      out.push('');
    } else {
      out.push('No figures.');
      out.push('');
    }
    for (const e of run.errors)
      out.push(`- error${e.case ? ` in \`${e.case}\`` : ''}: ${cell(e.error)}`);
    if (run.stderrTail) {
      out.push('');
      out.push('```');
      out.push(run.stderrTail.trimEnd());
      out.push('```');
    }
    if (run.errors.length || run.stderrTail) out.push('');
  }
  out.push('## References');
  out.push('');
  out.push('| reference | value | how | load before / after |');
  out.push('| --- | ---: | --- | --- |');
  for (const r of report.references)
    out.push(
      `| ${cell(r.label)} | ${r.value === undefined ? 'not measured' : `${formatNumber(r.value)} ${cell(r.unit ?? '')}`} | ` +
        `${cell(r.note)} | ${r.loadBefore ? `${load(r.loadBefore)} → ${load(r.loadAfter)}` : '—'} |`,
    );
  out.push('');
  out.push('## Floors');
  out.push('');
  out.push('| bench | metric | case | floor | source |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const f of FLOORS)
    out.push(
      `| ${f.bench} | \`${f.metric}\` | ${f.case === undefined ? 'every case' : cell(String(f.case))} | ` +
        `${cell(formatFloor(f))} | ${cell(f.source)} |`,
    );
  out.push('');
  return out.join('\n');
}

/** docs/performance.json: the report with each figure's floor, verdict and references resolved. */
export function toJson(report: Report): unknown {
  const floorJson = (f: Floor | undefined) =>
    f && { ...f, case: f.case === undefined ? undefined : String(f.case) };
  return {
    ...report,
    tally: tally(report),
    runs: report.runs.map((run) => ({
      ...run,
      lines: run.lines.map((l) => {
        const f = floorFor(l);
        return {
          ...l,
          floor: floorJson(f),
          verdict: judge(l, f),
          references: referencesFor(l, report.references).map((r) => r.id),
        };
      }),
    })),
    references: report.references.map((r) => ({
      ...r,
      compares: r.compares.map((c) => ({
        ...c,
        case: c.case === undefined ? undefined : String(c.case),
      })),
    })),
    floors: FLOORS.map(floorJson),
  };
}
