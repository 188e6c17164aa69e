import { createConnection, createServer, Server, Socket } from 'node:net';
import { freeListenPort } from './ports';

/**
 * A TCP load balancer in front of several gateways, as production has one: each connection goes
 * to the next backend in turn, skipping backends that refuse it. TLS passes through untouched.
 */
export class TcpBalancer {
  port = 0;
  private server?: Server;
  private next = 0;
  private readonly sockets = new Set<Socket>();

  constructor(public backends: number[]) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await freeListenPort();
    this.server = createServer((client) => this.route(client));
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', done));
    return this;
  }

  private route(client: Socket, tried = 0, first = this.next++): void {
    this.track(client);
    if (this.backends.length === 0 || tried >= this.backends.length) {
      client.destroy();
      return;
    }
    // each connection tries every backend once, from its own starting point
    const port = this.backends[(first + tried) % this.backends.length];
    client.pause();
    const upstream = createConnection({ port, host: '127.0.0.1' });
    this.track(upstream);
    // refused (that gateway is down): the next one gets the connection
    const reroute = () => this.route(client, tried + 1, first);
    upstream.once('error', reroute);
    upstream.once('connect', () => {
      upstream.off('error', reroute);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.resume();
    });
  }

  private track(s: Socket): void {
    if (this.sockets.has(s)) return;
    s.on('error', () => undefined);
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((done) => this.server!.close(() => done()));
    this.server = undefined;
  }
}
