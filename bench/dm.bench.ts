/**
 * `npm run bench:dm`: OMA DM sessions per second through the real gateway (issue 4 metrics).
 * The gateway runs here (its HTTP listener, engine, Redis session store); simulated handsets run
 * in a child process (bench/dm-load.child.ts); Redis is the machine's. Each session is client
 * initiated: package 1 with DevInfo (MD5 auth) -> server Get x3 + Replace x2 -> Status/Results ->
 * final Status. Operations come from a fixed in-memory workload (the DmOperationSource seam), so
 * the figures measure the DM side, not a job store. Env:
 *   DM_BENCH_SECONDS      closed-loop measuring time per encoding (default 10)
 *   DM_BENCH_CONCURRENCY  sessions in flight in the closed loop (default 48)
 *   DM_BENCH_DEVICES      distinct devices (default 2000)
 *   DM_BENCH_OPEN_SESSIONS sessions left open for redis_bytes_per_session (default 1000)
 *   REDIS_URL             default redis://127.0.0.1:6379
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { DmEvent, DmOperation, DmOperationResult } from '@dm-bridge/omadm';
import Redis from 'ioredis';
import { startGateway } from '../apps/gateway/src/bootstrap';
import { DmHttpEndpoint } from '../apps/gateway/src/dm/dm-http.endpoint';
import type { DmOperationSource } from '../apps/gateway/src/dm/dm-operation-source';
import { DmSessionStore } from '../apps/gateway/src/dm/dm-session.store';
import { DmHandset } from '../apps/simulator/src/dm-handset/dm-handset';
import type { RunResult } from './dm-load.child';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.DM_BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.DM_BENCH_CONCURRENCY ?? 48);
const DEVICES = Number(process.env.DM_BENCH_DEVICES ?? 2000);
const OPEN_SESSIONS = Number(process.env.DM_BENCH_OPEN_SESSIONS ?? 1000);

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

const WORKLOAD: DmOperation[] = [
  { id: 'get-mod', command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] } },
  { id: 'get-swv', command: { kind: 'Get', items: [{ target: { locURI: './DevDetail/SwV' } }] } },
  { id: 'get-fwv', command: { kind: 'Get', items: [{ target: { locURI: './DevDetail/FwV' } }] } },
  {
    id: 'set-registrar',
    command: {
      kind: 'Replace',
      items: [
        {
          target: { locURI: './Vendor/dmbridge/sip/Registrar' },
          meta: { format: 'chr', type: 'text/plain' },
          data: 'sip.bench.example',
        },
      ],
    },
  },
  {
    id: 'set-port',
    command: {
      kind: 'Replace',
      items: [
        { target: { locURI: './Vendor/dmbridge/sip/Port' }, meta: { format: 'int' }, data: '5062' },
      ],
    },
  },
];

/** Every session gets the same five operations; results are counted, not stored. */
class FixedWorkload implements DmOperationSource {
  completed = 0;
  failed = 0;
  async pending(): Promise<DmOperation[]> {
    return WORKLOAD;
  }
  async claim(): Promise<void> {}
  async complete(_d: string, r: DmOperationResult): Promise<void> {
    if (r.status === 200) this.completed++;
    else this.failed++;
  }
  async release(): Promise<void> {}
  async event(_e: DmEvent): Promise<void> {}
  async lease(): Promise<boolean> {
    return true;
  }
  async endLease(): Promise<void> {}
}

class LoadChild {
  private readonly child: ChildProcess;
  constructor() {
    this.child = fork(join(__dirname, 'dm-load.child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  run(req: Record<string, unknown>): Promise<RunResult> {
    return new Promise((done, fail) => {
      this.child.once('message', (m: RunResult & { error?: string }) =>
        m.error ? fail(new Error(m.error)) : done(m),
      );
      this.child.send(req);
    });
  }
  stop(): void {
    // A clean exit (not a kill) lets `node --cpu-prof` write the child's profile too.
    if (this.child.connected) this.child.send({ exit: true });
    else this.child.kill();
  }
}

function percentile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

const p99 = (values: number[]) => percentile(values, 0.99);

async function main(): Promise<void> {
  const prefix = `bench:dm:${randomBytes(3).toString('hex')}:`;
  const gw = await startGateway({
    env: {
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'error',
    },
    logger: false,
  });
  const redis = new Redis(REDIS_URL);
  const child = new LoadChild();
  try {
    const store = gw.app.get(DmSessionStore);
    const workload = new FixedWorkload();
    gw.app.get(DmHttpEndpoint).useOperationSource(workload);
    const url = `${gw.deviceUrl}/dm`;
    const devices = Array.from(
      { length: DEVICES },
      (_, i) => `IMEI:99${String(i).padStart(13, '0')}`,
    );
    for (let i = 0; i < devices.length; i += 500) {
      await Promise.all(
        devices.slice(i, i + 500).map((d) =>
          store.saveAccount({
            deviceId: d,
            clientAuth: 'md5',
            clientName: d,
            clientPassword: 'pw',
            clientNonce: '',
            serverAuth: 'none',
            serverName: 'gw.bench',
            serverPassword: 'srv',
            serverNonce: '',
          }),
        ),
      );
    }

    for (const encoding of ['wbxml', 'xml'] as const) {
      await child.run({ url, encoding, devices, durationMs: 1500, concurrency: CONCURRENCY }); // warm-up (JIT, sockets)
      const cpu0 = process.cpuUsage();
      const r = await child.run({
        url,
        encoding,
        devices,
        durationMs: SECONDS * 1000,
        concurrency: CONCURRENCY,
      });
      const cpu = process.cpuUsage(cpu0);
      const rate = r.sessions / r.seconds;
      emit({
        bench: 'dm',
        case: encoding,
        metric: 'dm_sessions_per_s',
        value: Math.round(rate),
        unit: 'sessions/s',
        sessions: r.sessions,
        failed: r.failed,
        seconds: +r.seconds.toFixed(2),
        concurrency: CONCURRENCY,
        p99_ms_at_saturation: +p99(r.latenciesMs).toFixed(2),
        // CPU per session tells what the rate would be on a quiet machine (other load shares the cores).
        gateway_cpu_ms_per_session: +((cpu.user + cpu.system) / 1000 / r.sessions).toFixed(3),
        handsets_cpu_ms_per_session: +(r.cpuMs / r.sessions).toFixed(3),
        load_average_1m: +loadavg()[0].toFixed(2),
      });
      // Latency at half the rate: half the target (800 WBXML / 600 XML) and half the
      // measured maximum, open loop (sessions start on schedule whatever the server does).
      const target = encoding === 'wbxml' ? 800 : 600;
      for (const [label, r2] of [
        [`half the ${target} target`, target / 2],
        ['half the measured max', Math.max(1, Math.round(rate / 2))],
      ] as const) {
        const loopDelay = monitorEventLoopDelay({ resolution: 5 });
        loopDelay.enable();
        const h = await child.run({
          url,
          encoding,
          devices,
          durationMs: SECONDS * 1000,
          concurrency: CONCURRENCY,
          rate: r2,
        });
        emit({
          bench: 'dm',
          case: `${encoding} at ${r2} sessions/s (${label})`,
          metric: 'p99_ms',
          value: +p99(h.latenciesMs).toFixed(2),
          unit: 'ms',
          messages: h.messages,
          sessions: h.sessions,
          failed: h.failed,
          p50_ms: +percentile(h.latenciesMs, 0.5).toFixed(2),
          // how long the gateway's event loop was late (its share of the latency)
          gateway_loop_delay_p99_ms: +(loopDelay.percentile(99) / 1e6).toFixed(2),
          load_average_1m: +loadavg()[0].toFixed(2),
        });
      }
    }

    // Memory: sessions left open after package 2 (state + cached reply in Redis).
    const memory: Record<string, number> = {};
    for (const encoding of ['wbxml', 'xml'] as const) {
      // Fresh devices, so package 1 authenticates at once and the session rests after package 2.
      const open = Array.from(
        { length: OPEN_SESSIONS },
        (_, i) => `IMEI:98${encoding === 'xml' ? 1 : 0}${String(i).padStart(12, '0')}`,
      );
      await Promise.all(
        open.map((d) =>
          store.saveAccount({
            deviceId: d,
            clientAuth: 'md5',
            clientName: d,
            clientPassword: 'pw',
            clientNonce: '',
            serverAuth: 'none',
            serverName: 'gw.bench',
            serverPassword: 'srv',
            serverNonce: '',
          }),
        ),
      );
      await Promise.all(
        open.map(async (d, i) => {
          const h = new DmHandset({
            devId: d,
            serverUrl: url,
            serverId: 'gw.bench',
            serverPassword: 'srv',
            clientName: d,
            clientPassword: 'pw',
            clientAuth: 'md5',
            encoding,
          });
          let n = 0;
          await h
            .runSession({
              sessionId: `F${i.toString(16)}`,
              transform: (m) => {
                if (++n === 2) throw new Error('leave open');
                return m;
              },
            })
            .catch(() => undefined);
        }),
      );
      let total = 0;
      for (const d of open)
        total += (await redis.call(
          'MEMORY',
          'USAGE',
          store.sessionKey(d),
          'SAMPLES',
          '0',
        )) as number;
      // Each open session also has a member in the sweeper's index.
      const index = (await redis.call(
        'MEMORY',
        'USAGE',
        store.activeKey(),
        'SAMPLES',
        '0',
      )) as number;
      const members = await redis.zcard(store.activeKey());
      memory[encoding] = total / open.length + (members ? index / members : 0);
      emit({
        bench: 'dm',
        case: `${encoding} session open after package 2`,
        metric: 'redis_bytes_per_session',
        value: Math.round(memory[encoding]),
        unit: 'bytes',
        sessions: open.length,
      });
    }
  } finally {
    child.stop();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
    await gw.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:dm failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
