import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { ResilienceFleet } from './fleet';

type Body = Record<string, unknown>;
type Route = (body: Body) => unknown;

const num = (b: Body, name: string, dflt?: number): number => {
  const v = b[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new Error(`${name} must be a non-negative number`);
  return v;
};

/**
 * The simulator's control channel (SIM_CONTROL_PORT, 127.0.0.1 only): JSON over HTTP to inject
 * faults and read what the devices applied while the simulator runs.
 *
 *   GET  /health                     200 when the fleet is up (every control is 503 before)
 *   GET  /counts                     applied values per device, session and SMSC counters
 *   POST /smsc/episode {throttle, throttleMs, fail, failStatus?, nack}  the next submits (or
 *                                    all for throttleMs) answered with throttle/fail/generic_nack
 *   POST /smsc/refuse-binds {ms, status?}                    drops binds, refuses new ones for ms
 *   POST /smsc/kill {downMs}                                 SMSC down for downMs
 *   POST /smsc/kill-window {pending, downMs}                 stops answering, drops at `pending`
 *   POST /dm {latencyMs?, silent?}   per-message latency of DM clients; ignore package #0
 *   POST /wp {latencyMs?}            per-message latency of phones
 *   POST /wp/busy {ms, share?}       phones in a call for ms
 *   POST /wp/start-up                every phone sends start-up
 */
export class ControlServer {
  private server?: Server;
  /** set once the fleet is up: until then every control answers 503 */
  ready = false;
  private readonly routes: Record<string, Route>;

  constructor(private readonly fleet: ResilienceFleet) {
    const smsc = () => {
      const s = fleet.smsc?.smsc;
      if (!s) throw new Error('SMSC is down or not configured');
      return s;
    };
    this.routes = {
      'GET /health': () => ({ ok: true }),
      'GET /counts': () => fleet.counts(),
      'POST /smsc/episode': (b) => {
        const s = smsc();
        s.genericNackNext(num(b, 'nack', 0));
        s.throttleNext(num(b, 'throttle', 0));
        if (b.throttleMs !== undefined) s.throttleFor(num(b, 'throttleMs'));
        s.failNext(num(b, 'fail', 0), num(b, 'failStatus', 0x14));
        return { ok: true };
      },
      'POST /smsc/refuse-binds': (b) => {
        fleet.smsc!.refuseBinds(num(b, 'ms'), num(b, 'status', 0x0d));
        return { ok: true };
      },
      'POST /smsc/kill': async (b) => {
        await fleet.smsc!.kill(num(b, 'downMs'));
        return { ok: true };
      },
      'POST /smsc/kill-window': async (b) => ({
        unanswered: await fleet.smsc!.killWithFullWindow(num(b, 'pending'), num(b, 'downMs')),
      }),
      'POST /dm': (b) => {
        if (b.latencyMs !== undefined) fleet.dmLatency.ms = num(b, 'latencyMs');
        if (b.silent !== undefined) fleet.dmSilent = b.silent === true;
        return { ok: true };
      },
      'POST /wp': (b) => {
        if (b.latencyMs !== undefined) fleet.wpLatency.ms = num(b, 'latencyMs');
        return { ok: true };
      },
      'POST /wp/busy': (b) => ({ busy: fleet.phonesBusy(num(b, 'ms'), num(b, 'share', 1)) }),
      'POST /wp/start-up': () => fleet.phonesStartUp(),
    };
  }

  async start(port: number): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as Body;
      if (typeof body !== 'object' || body === null) throw new Error('body must be an object');
      const route = this.routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
      if (!route) return reply(404, { error: 'no such control' });
      if (!this.ready) return reply(503, { error: 'the fleet is starting' });
      reply(200, (await route(body)) ?? {});
    } catch (err) {
      reply(400, { error: (err as Error).message });
    }
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((done) => this.server!.close(() => done()));
  }
}
