/**
 * `npm run bench:smpp`: SMPP transport benchmarks, one JSON object per line.
 * The simulator SMSC runs in a child process (bench/smpp-smsc.child.ts); the ESME side (bind
 * manager, queue, Redis correlation) runs here, Redis is the machine's. Env:
 *   SMPP_BENCH_SUBMITS        submit_sm count for submit_sm_per_s (default 200000)
 *   SMPP_BENCH_RATE_SECONDS   duration of the rate-limited run (default 60, as the issue asks)
 *   SMPP_BENCH_RATE           the limit (default 200 msg/s)
 *   SMPP_BENCH_RATE_GUARD_MS  the bind's rate_guard_ms (default 10)
 *   SMPP_BENCH_RATE_GUARD_MAX_MS  its rate_guard_max_ms (default 100; = the min: fixed guard)
 *   SMPP_BENCH_E2E_PUSHES     CP pushes for cp_push_e2e_per_s (default 10000 handsets)
 *   SMPP_BENCH_CASES          comma list to run a subset: submit,rate,build,e2e
 *   REDIS_URL                 default redis://127.0.0.1:6379
 */
import { parseSmscUrl, SmppBind } from '@dm-bridge/smpp';
import { runCpPushBuildBench, runCpPushE2eBench } from './smpp-push.bench-cases';
import { emit, SmscChild } from './smpp-bench-support';

function payload(n: number): Buffer {
  const b = Buffer.alloc(140, 0x41);
  b.set([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, n & 0xff, 1, 1]);
  return b;
}

/** Keeps `depth` submits queued so the bind's window is always full; resolves after `total`. */
async function drive(
  bind: SmppBind,
  total: number,
  depth: number,
  until?: () => boolean,
): Promise<number> {
  let sent = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const next = (): void => {
      while (sent - done < depth && sent < total && !(until && until())) {
        const n = sent++;
        bind
          .submit({ destination: '4917000' + (n % 10000), userData: payload(n), udhi: true })
          .then(() => {
            done++;
            if (done === sent && (sent === total || (until && until()))) resolve(done);
            else next();
          }, reject);
      }
    };
    next();
  });
}

async function submitBench(): Promise<void> {
  const total = Number(process.env.SMPP_BENCH_SUBMITS ?? 200_000);
  const smsc = new SmscChild();
  const addr = await smsc.start({ ackOnly: true });
  const bind = new SmppBind({
    ...parseSmscUrl(`smpp://bench:bench@${addr.host}:${addr.port}`, 'bench'),
    window: 100,
    ratePerSecond: 0,
    registeredDelivery: false,
  });
  bind.start();
  await bind.waitBound();
  await drive(bind, 20_000, 1_000); // warm-up (JIT)
  const t0 = performance.now();
  await drive(bind, total, 2_000);
  const s = (performance.now() - t0) / 1000;
  emit({
    bench: 'smpp',
    case: 'ack-only window 100 no limit',
    metric: 'submit_sm_per_s',
    value: Math.round(total / s),
    unit: 'msg/s',
    submits: total,
    seconds: +s.toFixed(3),
  });
  await bind.close();
  await smsc.stop();
}

/** Largest number of timestamps inside any half-open window [t, t + 1000 ms). */
export function maxInAnySecond(stamps: number[]): number {
  let max = 0;
  let j = 0;
  for (let i = 0; i < stamps.length; i++) {
    while (stamps[i] - stamps[j] >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

async function rateBench(): Promise<void> {
  const seconds = Number(process.env.SMPP_BENCH_RATE_SECONDS ?? 60);
  const limit = Number(process.env.SMPP_BENCH_RATE ?? 200);
  const smsc = new SmscChild();
  const addr = await smsc.start({ ackOnly: true }, { stamps: true });
  const sendStamps: number[] = [];
  const bind = new SmppBind(
    {
      ...parseSmscUrl(`smpp://bench:bench@${addr.host}:${addr.port}`, 'bench-rate'),
      window: 100,
      ratePerSecond: limit,
      rateGuardMs: Number(process.env.SMPP_BENCH_RATE_GUARD_MS ?? 10),
      rateGuardMaxMs: Number(process.env.SMPP_BENCH_RATE_GUARD_MAX_MS ?? 100),
      registeredDelivery: false,
    },
    { onSubmitWritten: (at) => sendStamps.push(performance.timeOrigin + at) },
  );
  bind.start();
  await bind.waitBound();
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  await drive(bind, Number.MAX_SAFE_INTEGER, 1_000, () => performance.now() >= stopAt);
  const stats = await smsc.request({ cmd: 'stats' });
  const guardAtEnd = bind.health().rateGuardMs;
  const t0 = sendStamps[0];
  const inDuration = sendStamps.filter((t) => t - t0 < seconds * 1000).length;
  const smscStamps: number[] = stats.stamps;
  const common = { limit, seconds };
  emit({
    bench: 'smpp',
    case: `limit ${limit}/s over ${seconds}s (ESME send times)`,
    metric: 'rate_limited_per_s',
    value: +(inDuration / seconds).toFixed(2),
    unit: 'msg/s',
    ...common,
  });
  emit({
    bench: 'smpp',
    case: `limit ${limit}/s over ${seconds}s (ESME send times)`,
    metric: 'rate_limited_max_1s',
    value: maxInAnySecond(sendStamps),
    unit: 'msg',
    ...common,
  });
  emit({
    bench: 'smpp',
    case: `limit ${limit}/s over ${seconds}s (SMSC receive times)`,
    metric: 'rate_limited_max_1s',
    value: maxInAnySecond(smscStamps),
    unit: 'msg',
    ...common,
  });
  emit({
    bench: 'smpp',
    case: `limit ${limit}/s over ${seconds}s (SMSC's own fixed 1-s windows)`,
    metric: 'rate_limited_max_fixed_1s',
    value: stats.fixedWindowMax,
    unit: 'msg',
    ...common,
  });
  emit({
    bench: 'smpp',
    case: `limit ${limit}/s over ${seconds}s (guard widened to the SMSC's answer spread)`,
    metric: 'rate_guard_ms_at_end',
    value: guardAtEnd ?? 0,
    unit: 'ms',
    ...common,
  });
  await bind.close();
  await smsc.stop();
}

async function main(): Promise<void> {
  const cases = (process.env.SMPP_BENCH_CASES ?? 'submit,rate,build,e2e').split(',');
  if (cases.includes('submit')) await submitBench();
  if (cases.includes('rate')) await rateBench();
  if (cases.includes('build')) await runCpPushBuildBench();
  if (cases.includes('e2e')) await runCpPushE2eBench();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench:smpp failed: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
