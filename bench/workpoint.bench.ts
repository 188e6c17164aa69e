/**
 * Workpoint interaction throughput and latency (issue 5). The real gateway runs in a child process
 * (one core), the simulated OpenStage phones in this process (the other core), Redis beside them.
 * Each phone loops: start-up → ReadAllItems → WriteItems (20 desired items) → CleanUp, over a
 * keep-alive HTTPS connection. Phones are core devices (created through the REST API) whose
 * desired state holds the 20 items: the production job source, as the product runs. Prints JSON lines:
 *   wp_interactions_per_s  — whole interactions (3 HTTPS requests each) per second, closed loop
 *   p99_ms                 — per-request latency, closed loop and paced at half that rate
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { OpenStagePhone } from '../apps/simulator/src/phone/openstage-phone';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PHONES = Number(process.env.WP_BENCH_PHONES ?? 48);
const SECONDS = Number(process.env.WP_BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = 2;

/** Every line carries the machine's 1-minute load: other work skews the wall-clock figures
 *  (the CPU-per-interaction figures do not depend on it). */
const emit = (
  c: string,
  metric: string,
  value: number,
  unit: string,
  extra: Record<string, unknown> = {},
) =>
  process.stdout.write(
    JSON.stringify({
      bench: 'workpoint',
      case: c,
      metric,
      value: Math.round(value * 100) / 100,
      unit,
      ...extra,
      load_avg_1m: Math.round(loadavg()[0] * 100) / 100,
    }) + '\n',
  );

const DESIRED = Array.from({ length: 20 }, (_, i) =>
  i < 6
    ? { name: 'key-label-unicode', index: i + 1, value: `Key ${i + 1}` }
    : {
        name: [
          'sntp-addr',
          'reg-addr',
          'registrar-addr',
          'sgnl-gateway-addr',
          'hostname',
          'realm',
          'default-domain',
          'display-id-unicode',
          'voice-mail-e164',
          'mwi-e164',
          'emergency-e164',
          'country-iso',
          'language-iso',
          'reg-ttl',
        ][i - 6],
        value: `bench-${i}`,
      },
);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(
  phones: OpenStagePhone[],
  lat: number[],
  seconds: number,
  pacePerPhoneMs?: number,
): Promise<{ interactions: number; errors: number; wrong: number; elapsed: number }> {
  let interactions = 0;
  let errors = 0;
  let wrong = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  lat.length = 0;
  await Promise.all(
    phones.map(async (phone, i) => {
      let next = start + (pacePerPhoneMs ? (i * pacePerPhoneMs) / phones.length : 0);
      while (performance.now() < end) {
        if (pacePerPhoneMs) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          next += pacePerPhoneMs;
          if (performance.now() >= end) break;
        }
        phone.resetItems();
        const log = await phone.startUp();
        if (log.error) errors++;
        else if (log.steps.length !== 3 || log.steps[1].items.length !== 20) wrong++;
        else interactions++;
      }
    }),
  );
  return { interactions, errors, wrong, elapsed: (performance.now() - start) / 1000 };
}

async function main(): Promise<void> {
  const prefix = `bench:wp:${process.pid}:`;
  const varDir = mkdtempSync(join(tmpdir(), 'wp-bench-'));
  const profile = process.env.WP_BENCH_PROFILE_DIR;
  const child = fork(join(__dirname, 'workpoint-gateway.child.js'), [], {
    execArgv: [
      ...(process.env.WP_BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ask = (m: unknown) =>
    new Promise<any>((resolve, reject) => {
      child.once('message', (r: any) => (r.error ? reject(new Error(r.error)) : resolve(r)));
      child.send(m as any);
    });
  const apiKey = 'bench-key-not-secret-0123456789abcdef';
  const { port, apiUrl } = await ask({
    cmd: 'start',
    env: {
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      WORKPOINT_PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'error',
      VAR_DIR: varDir,
      DMB_ADMIN_API_KEY: apiKey,
      DMB_MASTER_KEY: randomBytes(32).toString('hex'),
    },
  });
  const redis = new Redis(REDIS_URL);
  const desired = Object.fromEntries(
    DESIRED.map((d) => [
      `workpoint:${d.index === undefined ? d.name : `${d.name}[${d.index}]`}`,
      d.value,
    ]),
  );
  const lat: number[] = [];
  const phones: OpenStagePhone[] = [];
  for (let i = 0; i < PHONES; i++) {
    const mac =
      `00:1A:E8:B0:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    const res = await fetch(`${apiUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        id: `bench-${i}`,
        protocol: 'workpoint',
        addressing: { mac },
        profile: 'openstage',
        desired,
      }),
    });
    if (res.status !== 201)
      throw new Error(`device ${mac}: HTTP ${res.status} ${await res.text()}`);
    // one keep-alive connection per phone, as a real phone has
    const own = new Agent({
      keepAlive: true,
      rejectUnauthorized: false,
      maxSockets: 1,
      noDelay: true,
    });
    phones.push(
      await new OpenStagePhone({
        gatewayUrl: `https://127.0.0.1:${port}/DeploymentService/LoginService`,
        mac,
        keepLog: false,
        agent: own,
        onExchange: (ms) => lat.push(ms),
      }).start(),
    );
  }
  try {
    await run(phones, lat, WARMUP_SECONDS);
    const gwCpu0 = (await ask({ cmd: 'cpu' })).cpu;
    const phCpu0 = process.cpuUsage();
    const max = await run(phones, lat, SECONDS);
    const gwCpu1 = (await ask({ cmd: 'cpu' })).cpu;
    const phCpu = process.cpuUsage(phCpu0);
    const rate = max.interactions / max.elapsed;
    // CPU per interaction: independent of whatever else the machine is running
    const cpuMs = (u: { user: number; system: number }) =>
      (u.user + u.system) / 1000 / Math.max(max.interactions, 1);
    emit(
      'closed-loop',
      'gateway_cpu_ms_per_interaction',
      cpuMs({ user: gwCpu1.user - gwCpu0.user, system: gwCpu1.system - gwCpu0.system }),
      'ms',
    );
    emit('closed-loop', 'phones_cpu_ms_per_interaction', cpuMs(phCpu), 'ms');
    const sorted = Float64Array.from(lat).sort();
    emit('closed-loop', 'wp_interactions_per_s', rate, 'interactions/s', {
      phones: PHONES,
      requests_per_s: Math.round((sorted.length / max.elapsed) * 10) / 10,
      errors: max.errors,
      wrong: max.wrong,
    });
    emit('closed-loop', 'p99_ms', percentile(sorted, 99), 'ms', {
      p50_ms: Math.round(percentile(sorted, 50) * 100) / 100,
    });

    const target = rate / 2;
    const paced = await run(phones, lat, SECONDS, (PHONES / target) * 1000);
    const ps = Float64Array.from(lat).sort();
    emit(
      'half-rate',
      'wp_interactions_per_s',
      paced.interactions / paced.elapsed,
      'interactions/s',
      { target: Math.round(target), errors: paced.errors, wrong: paced.wrong },
    );
    emit('half-rate', 'p99_ms', percentile(ps, 99), 'ms', {
      p50_ms: Math.round(percentile(ps, 50) * 100) / 100,
    });
  } finally {
    await Promise.all(phones.map((p) => p.stop()));
    await ask({ cmd: 'stop' }).catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
    rmSync(varDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`workpoint bench failed: ${err.stack}\n`);
  process.exit(1);
});
