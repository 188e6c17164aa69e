/**
 * `npm run bench`: runs every benchmark one after the other (each `node dist/bench/<x>.bench.js`,
 * the same as `npm run bench:<x>` after the build), measures the references beside them, and
 * writes docs/performance.md and docs/performance.json (bench/bench-report.ts renders them).
 *
 *   npm run bench                          wbxml, wap-push, dm, smpp, workpoint, campaign
 *   npm run bench -- --with-resilience     also bench:resilience (long: many minutes per case)
 *   BENCH_ALL=1 npm run bench              the same
 *   npm run bench -- --only=wbxml,dm       a subset (the others are listed as not run)
 *   npm run bench -- --no-references       skip libwbxml / Kannel / Node HTTP ceilings
 *   npm run bench -- --out-dir=/tmp/perf   write elsewhere than docs/
 *
 * Each benchmark keeps its own environment variables (DM_BENCH_SECONDS, BENCH_DEVICES, …), passed
 * through unchanged. Progress goes to stderr.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import {
  parseBenchOutput,
  renderMarkdown,
  toJson,
  type BenchRun,
  type Machine,
  type Reference,
  type Report,
} from './bench-report';
import {
  dmHttpCeiling,
  kannelSendotaReference,
  libwbxmlReferences,
  workpointHttpsCeiling,
} from './bench-references';

const ROOT = resolve(__dirname, '..', '..');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BENCHES = ['wbxml', 'wap-push', 'dm', 'smpp', 'workpoint', 'campaign', 'resilience'];

const loads = () => loadavg().map((x) => +x.toFixed(2));
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function options(argv: string[]) {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const unknown = argv.filter(
    (a) => !/^--(with-resilience|no-references|only=.*|out-dir=.*)$/.test(a),
  );
  if (unknown.length) throw new Error(`unknown option(s) ${unknown.join(' ')}`);
  const only = value('only')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = (only ?? []).filter((b) => !BENCHES.includes(b));
  if (bad.length)
    throw new Error(`unknown bench(es) ${bad.join(', ')}; known: ${BENCHES.join(', ')}`);
  return {
    withResilience:
      flag('with-resilience') || process.env.BENCH_ALL === '1' || !!only?.includes('resilience'),
    references: !flag('no-references'),
    only,
    outDir: resolve(ROOT, value('out-dir') ?? 'docs'),
  };
}

async function machine(): Promise<Machine> {
  let redis = 'unknown';
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? redis;
  } catch (e) {
    redis = `unreachable at ${REDIS_URL.replace(/\/\/[^@]*@/, '//***@')} (${(e as Error).message})`;
  } finally {
    client.disconnect();
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${osType()} ${release()}`,
    node: process.version,
    redis,
  };
}

function runBench(bench: string): Promise<BenchRun> {
  const file = `dist/bench/${bench}.bench.js`;
  const command = `node ${file}`;
  const startedAt = new Date().toISOString();
  const loadBefore = loads();
  const t0 = performance.now();
  log(`bench:${bench} … (load ${loadBefore.join(' ')})`);
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, file)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('close', (code) => {
      const parsed = parseBenchOutput(stdout);
      const seconds = +((performance.now() - t0) / 1000).toFixed(1);
      log(`bench:${bench} exit ${code} in ${seconds} s, ${parsed.lines.length} figures`);
      done({
        bench,
        command,
        startedAt,
        seconds,
        exitCode: code,
        loadBefore,
        loadAfter: loads(),
        lines: parsed.lines,
        errors: parsed.errors,
        stderrTail: code === 0 ? undefined : stderr.split('\n').slice(-15).join('\n'),
      });
    });
  });
}

/** Messages per DM session as bench:dm measured them (its p99 lines count both). */
function dmMessagesPerSession(runs: BenchRun[]): number {
  const dm = runs.find((r) => r.bench === 'dm');
  const line = dm?.lines.find(
    (l) => l.metric === 'p99_ms' && typeof l.messages === 'number' && Number(l.sessions) > 0,
  );
  return line ? Math.max(1, Math.round(Number(line.messages) / Number(line.sessions))) : 2;
}

async function references(runs: BenchRun[]): Promise<Reference[]> {
  const refs: Reference[] = [];
  log('references: libwbxml CLI …');
  refs.push(...libwbxmlReferences(CORPUS));
  log('references: Kannel sendota …');
  refs.push(await kannelSendotaReference());
  log('references: Node HTTP ceiling (bench:dm pattern) …');
  refs.push(
    await dmHttpCeiling({ corpus: CORPUS, messagesPerSession: dmMessagesPerSession(runs) }),
  );
  log('references: Node HTTPS ceiling (bench:workpoint pattern) …');
  refs.push(await workpointHttpsCeiling());
  return refs;
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const opt = options(process.argv.slice(2));
  const report: Report = {
    generatedAt: new Date().toISOString(),
    commit: commit(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: await machine(),
    runs: [],
    references: [],
    notes: [
      'WBXML and CP push build figures are per CPU-second of one core (the benchmarks measure their own CPU time); ' +
        'the others are wall clock with the gateway, the simulated devices and Redis sharing the machine.',
    ],
  };
  for (const bench of BENCHES) {
    const run = (skipped: string): BenchRun => ({
      bench,
      command: `node dist/bench/${bench}.bench.js`,
      startedAt: '',
      seconds: 0,
      exitCode: null,
      loadBefore: [],
      loadAfter: [],
      lines: [],
      errors: [],
      skipped,
    });
    if (opt.only && !opt.only.includes(bench)) report.runs.push(run('not selected (`--only`).'));
    else if (bench === 'resilience' && !opt.withResilience)
      report.runs.push(
        run(
          'long (each fault case runs minutes); included with `npm run bench -- --with-resilience` or `BENCH_ALL=1`. ' +
            'The same cases run as `npm run test:resilience` (docs/core.md).',
        ),
      );
    else report.runs.push(await runBench(bench));
  }
  if (opt.references) report.references = await references(report.runs);
  else report.notes.push('References not measured (`--no-references`).');
  mkdirSync(opt.outDir, { recursive: true });
  writeFileSync(join(opt.outDir, 'performance.md'), renderMarkdown(report));
  writeFileSync(
    join(opt.outDir, 'performance.json'),
    JSON.stringify(toJson(report), null, 2) + '\n',
  );
  log(`wrote ${join(opt.outDir, 'performance.md')} and performance.json`);
  if (report.runs.some((r) => !r.skipped && r.exitCode !== 0)) process.exitCode = 1;
}

main().catch((e: Error) => {
  process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
