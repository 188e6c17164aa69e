/**
 * `npm run bench:resilience`: the resilience cases of test/resilience (same module, same
 * processes) with the gateway's default timers, printed as JSON lines per case and metric:
 *   {"bench":"resilience","case":"…","metric":"stuck_jobs"|"transient_failures"|"recovery_s"|
 *    "duplicate_applications","value":n,"unit":"jobs"|"s"|"applications"}
 * BENCH_CASES=a,b runs only those cases; BENCH_TIMERS=fast uses the test suite's short timers;
 * BENCH_SETTLE_S (default 180) is how long jobs get to finish after each fault.
 */
import { CASES, runCase } from '../test/resilience/cases';

const METRICS = [
  ['stuck_jobs', 'stuck', 'jobs'],
  ['transient_failures', 'transientFailures', 'jobs'],
  ['recovery_s', 'recoveryS', 's'],
  ['duplicate_applications', 'duplicateApplications', 'applications'],
] as const;

async function main(): Promise<void> {
  const only = process.env.BENCH_CASES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = (only ?? []).filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length)
    throw new Error(
      `unknown case(s) ${unknown.join(', ')}; known: ${CASES.map((c) => c.name).join(', ')}`,
    );
  const timers = process.env.BENCH_TIMERS === 'fast' ? 'fast' : 'default';
  const settleMs = Number(process.env.BENCH_SETTLE_S ?? 180) * 1000;
  for (const c of CASES.filter((x) => !only || only.includes(x.name))) {
    try {
      const v = await runCase({ ...c, settleMs, options: { ...c.options, timers } });
      for (const [metric, key, unit] of METRICS)
        process.stdout.write(
          `${JSON.stringify({ bench: 'resilience', case: c.name, metric, value: v[key], unit })}\n`,
        );
      process.stderr.write(
        `${c.name}: ${JSON.stringify({ unfinished: v.unfinished, byState: v.byState, extra: v.extra, broken: v.broken, samples: v.samples.slice(0, 3), logDir: v.unfinished || v.transientFailures ? v.logDir : undefined })}\n`,
      );
    } catch (err) {
      process.stdout.write(
        `${JSON.stringify({ bench: 'resilience', case: c.name, error: (err as Error).message })}\n`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench:resilience: ${err.message}\n`);
    process.exit(1);
  },
);
