import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ReadinessRegistry } from './readiness.registry';

/**
 * `/healthz` and `/readyz` on a port of their own (HEALTH_PORT), for processes without the
 * operator API — the worker role opens no other listener. Off unless HEALTH_PORT is set.
 */
@Injectable()
export class HealthListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Health');
  private server?: Server;
  private boundPort?: number;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** The bound port, or undefined when HEALTH_PORT is not set. */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.healthPort === undefined) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.config.healthPort, this.config.host, () => {
        server.off('error', fail);
        done();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.logger.log({ msg: 'health listener up', port: this.boundPort });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET only' });
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const result = await this.readiness.evaluate();
      return send(res, result.ok ? 200 : 503, {
        status: result.ok ? 'ok' : 'unavailable',
        ...result,
      });
    }
    send(res, 404, { error: 'not found' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}
