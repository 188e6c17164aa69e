/**
 * WBXML codec throughput over ../shared/corpus (issue 2 §4). One JSON line per case and metric:
 * {"bench":"wbxml","case":FILE,"metric":M,"value":N,"unit":"docs/s"}. Single-threaded by nature.
 * `value` is docs per CPU-second on one thread (see measure); `wall_best` / `wall_median` are
 * wall-clock rates and `load1` the load average, which say how busy the machine was.
 * Options: WBXML_BENCH_SECONDS (per measurement, default 2), WBXML_BENCH_CASES (comma list of files).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeWbxml, encodeWbxml, parseXml, serializeXml } from '@dm-bridge/wbxml';

function findCorpus(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.resolve(dir, '..', 'shared', 'corpus');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('../shared/corpus not found beside the repository');
}

let sink = 0;

interface Measurement {
  /** median over windows of calls per CPU-second of this process: one core's throughput */
  cpu: number;
  /** best and median window in calls per wall-clock second (depend on what else the machine runs) */
  wallBest: number;
  wallMedian: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/**
 * Calls `fn` for about `seconds` after a warm-up, in windows of ~100 ms. Per window it records the
 * rate per wall-clock second and per CPU-second of the process (user + system over all threads, so
 * V8's GC helper threads count against us). On a shared machine other processes steal wall time
 * but not CPU time, so the CPU rate is the "one core" figure the targets are stated in.
 */
function measure(fn: () => number, seconds: number): Measurement {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) sink += fn();
  const wallRates: number[] = [];
  const cpuRates: number[] = [];
  const until = performance.now() + seconds * 1000;
  const batch = 128;
  while (performance.now() < until) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let calls = 0;
    let now = start;
    while (now - start < 100) {
      for (let i = 0; i < batch; i++) sink += fn();
      calls += batch;
      now = performance.now();
    }
    const cpu = process.cpuUsage(cpuStart);
    wallRates.push(calls / ((now - start) / 1000));
    cpuRates.push(calls / ((cpu.user + cpu.system) / 1e6));
  }
  return {
    cpu: median(cpuRates),
    wallBest: Math.max(...wallRates),
    wallMedian: median(wallRates),
  };
}

function main(): void {
  const seconds = Number(process.env.WBXML_BENCH_SECONDS ?? '2');
  const corpus = findCorpus();
  const only = process.env.WBXML_BENCH_CASES?.split(',');
  const files = fs
    .readdirSync(corpus)
    .filter((f) => f.endsWith('.xml'))
    .filter((f) => only === undefined || only.includes(f))
    .sort();
  for (const file of files) {
    const xml = fs.readFileSync(path.join(corpus, file), 'utf8');
    const tree = parseXml(xml);
    const wbxml = encodeWbxml(tree);
    const cases: Array<[string, () => number]> = [
      ['encode_from_xml', () => encodeWbxml(parseXml(xml)).length],
      ['decode_to_xml', () => serializeXml(decodeWbxml(wbxml)).length],
      ['encode_from_tree', () => encodeWbxml(tree).length],
      ['decode_to_tree', () => decodeWbxml(wbxml).root.children.length],
    ];
    for (const [metric, fn] of cases) {
      const m = measure(fn, seconds);
      const line = {
        bench: 'wbxml',
        case: file,
        metric,
        value: Math.round(m.cpu),
        unit: 'docs/s',
        wall_best: Math.round(m.wallBest),
        wall_median: Math.round(m.wallMedian),
        load1: Number(os.loadavg()[0].toFixed(2)),
      };
      process.stdout.write(JSON.stringify(line) + '\n');
    }
  }
  if (sink === -1) process.stdout.write('');
}

main();
