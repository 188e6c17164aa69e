/**
 * Load generator for bench/dm.bench.ts, in its own process (its own core): simulated DM handsets
 * running whole client-initiated sessions against the gateway. Timing of every HTTP round trip.
 */
import { Agent } from 'node:http';
import { DmHandset } from '../apps/simulator/src/dm-handset/dm-handset';

interface RunRequest {
  url: string;
  encoding: 'wbxml' | 'xml';
  devices: string[];
  durationMs: number;
  /** closed loop: this many sessions in flight; open loop: sessions started per second */
  concurrency: number;
  rate?: number;
}

export interface RunResult {
  sessions: number;
  failed: number;
  seconds: number;
  latenciesMs: number[];
  messages: number;
  /** CPU time (user+system) this load process spent, ms */
  cpuMs: number;
}

const handsets = new Map<string, DmHandset>();

function handsetFor(
  devId: string,
  url: string,
  encoding: 'wbxml' | 'xml',
  agent: Agent,
): DmHandset {
  const key = `${encoding}:${devId}`;
  let h = handsets.get(key);
  if (!h) {
    h = new DmHandset({
      devId,
      serverUrl: url,
      serverId: 'gw.bench',
      serverPassword: 'srv',
      clientName: devId,
      clientPassword: 'pw',
      clientAuth: 'md5',
      encoding,
      agent,
    });
    handsets.set(key, h);
  }
  return h;
}

async function run(req: RunRequest): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: req.concurrency + 16 });
  const latencies: number[] = [];
  let sessions = 0;
  let failed = 0;
  let messages = 0;
  const free = [...req.devices];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + req.durationMs;
  const one = async (): Promise<void> => {
    const dev = free.shift();
    if (!dev) return;
    const h = handsetFor(dev, req.url, req.encoding, agent);
    try {
      let t = performance.now();
      const s = await h.runSession({
        transform: (m) => {
          t = performance.now();
          return m;
        },
        onReply: () => {
          latencies.push(performance.now() - t);
          messages++;
        },
      });
      if (s.ended === 'completed') sessions++;
      else failed++;
    } catch {
      failed++;
    } finally {
      free.push(dev);
    }
  };
  if (req.rate) {
    // Open loop: start sessions on a fixed schedule whatever the server does.
    const interval = 1000 / req.rate;
    const inflight = new Set<Promise<void>>();
    let next = performance.now();
    while (performance.now() < end) {
      const now = performance.now();
      while (next <= now) {
        const p = one().finally(() => inflight.delete(p));
        inflight.add(p);
        next += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    await Promise.all(inflight);
  } else {
    const loop = async () => {
      while (performance.now() < end) await one();
    };
    await Promise.all(Array.from({ length: req.concurrency }, loop));
  }
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    sessions,
    failed,
    seconds: (performance.now() - t0) / 1000,
    latenciesMs: latencies,
    messages,
  };
}

process.on('message', (req: RunRequest | { exit: true }) => {
  if ('exit' in req) process.exit(0);
  run(req).then(
    (r) => process.send!(r),
    (err: Error) => process.send!({ error: err.message }),
  );
});
