import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { GATEWAY_CONFIG, GatewayConfig, runsApi } from '../config/gateway.config';
import { envString } from '../config/env';
import { DeviceActivity } from './device-activity';
import { isConnectionError } from '../redis/redis-errors';

export type DeviceHttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => Promise<void> | void;

export interface DeviceHttpRoute {
  method: string;
  path: string;
  /** match every path under `path` too */
  prefix?: boolean;
  /** overrides the listener's body limit for this route */
  maxBody?: number;
  handler: DeviceHttpHandler;
}

/**
 * The device-facing HTTP listener (default 8081): OMA DM `/dm`, Workpoint DCMP, … Plain Node http
 * rather than Express, because devices send odd-but-valid requests (chunked bodies, a bogus
 * `Content-Encoding: UTF-8`) that body parsers reject, and because the DM hot path wants the raw
 * bytes (HMAC is computed over them). Routes are registered by feature modules at init.
 * Opened in the `api` and `all` roles only.
 */
@Injectable()
export class DeviceHttpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeviceHttp');
  private readonly exact = new Map<string, DeviceHttpRoute>();
  private readonly prefixes: DeviceHttpRoute[] = [];
  private server?: Server;
  private boundPort?: number;
  /** this process's device traffic (the Workpoint listeners report theirs here too) */
  readonly activity = new DeviceActivity();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  register(route: DeviceHttpRoute): void {
    const method = route.method.toUpperCase();
    const r = { ...route, method };
    if (route.prefix) this.prefixes.push(r);
    else this.exact.set(`${method} ${route.path}`, r);
  }

  /** The listener's actual port (useful when configured as 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('device listener is not started');
    return this.boundPort;
  }

  get listening(): boolean {
    return this.boundPort !== undefined;
  }

  get tls(): boolean {
    return Boolean(envString('DEVICE_HTTP_TLS_CERT_FILE'));
  }

  /** Base URL devices use to reach this listener: PUBLIC_BASE_URL, else derived from the bind. */
  publicBaseUrl(): string {
    if (this.config.publicBaseUrl) return this.config.publicBaseUrl.replace(/\/$/, '');
    const host =
      this.config.host === '0.0.0.0' || this.config.host === '::' ? '127.0.0.1' : this.config.host;
    return `${this.tls ? 'https' : 'http'}://${host}:${this.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!runsApi(this.config)) return;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.dispatch(req, res);
    const certFile = envString('DEVICE_HTTP_TLS_CERT_FILE');
    const keyFile = envString('DEVICE_HTTP_TLS_KEY_FILE');
    this.server =
      certFile && keyFile
        ? createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler)
        : createHttpServer(handler);
    this.server.keepAliveTimeout = 10_000;
    await new Promise<void>((done, fail) => {
      this.server!.once('error', fail);
      this.server!.listen(this.config.deviceHttpPort, this.config.host, () => done());
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    this.logger.log({ msg: 'device listener up', port: this.boundPort, tls: Boolean(certFile) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.close(this.config.shutdownGraceMs);
  }

  /** Stops accepting; idle keep-alive connections close at once, requests still running get `cutAfterMs`. */
  async close(cutAfterMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), cutAfterMs).unref();
    });
  }

  private route(method: string, path: string): DeviceHttpRoute | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return exact;
    return this.prefixes.find(
      (r) =>
        r.method === method &&
        (path === r.path || path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`)),
    );
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    this.activity.begin();
    res.once('close', () => this.activity.end());
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    const route = this.route(method, path);
    if (!route) {
      const other = [...this.exact.values(), ...this.prefixes].some((r) => r.path === path);
      req.resume();
      sendPlain(res, other ? 405 : 404, other ? 'method not allowed' : 'not found');
      return;
    }
    const limit = route.maxBody ?? this.config.deviceHttpMaxBody;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      sendPlain(res, 413, `body larger than ${limit} bytes`, true);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    req.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > limit) {
        rejected = true;
        sendPlain(res, 413, `body larger than ${limit} bytes`, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      rejected = true;
    });
    req.on('end', () => {
      if (rejected) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      Promise.resolve()
        .then(() => route.handler(req, res, body))
        .catch((err: Error) => {
          // Redis away: the device should come back shortly, nothing is wrong with its request
          if (isConnectionError(err)) {
            if (!res.headersSent) {
              res.setHeader('retry-after', '5');
              sendPlain(res, 503, 'temporarily unavailable');
            } else res.end();
            return;
          }
          this.logger.error({ msg: 'device handler failed', path, error: err.message }, err.stack);
          if (!res.headersSent) sendPlain(res, 500, 'internal error');
          else res.end();
        });
    });
  }
}

export function sendPlain(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) return;
  const body = Buffer.from(text + '\n');
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
