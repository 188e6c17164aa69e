import { IncomingMessage, ServerResponse } from 'node:http';
import { Server, ServerOptions, createServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { SESSION_COOKIE, readSessionCookie } from './cookies';
import { PhoneBusyError } from './phone-state.store';
import { WorkpointInteractionService } from './workpoint-interaction.service';
import { isConnectionError } from '../redis/redis-errors';

export interface WorkpointListenerOptions {
  host: string;
  port: number;
  tls: ServerOptions;
  /** mutual TLS: only verified client certificates get through */
  secure: boolean;
  keepAliveMs: number;
  maxBody: number;
  /** path prefixes served (phones are configured with any path); empty = every path */
  paths?: string[];
  /** told about every request and phone session (the shutdown drain waits for them) */
  activity?: { begin(): void; end(): void; session(key: string, open: boolean): void };
}

export interface ListenerLogger {
  warn(msg: Record<string, unknown>): void;
  error(msg: Record<string, unknown>): void;
}

let connectionCounter = 0;

/**
 * The phones' HTTPS listener (default mode 18443, secure mode 18444). HTTP/1.1 with
 * Content-Length on every reply, never chunked (firmware ≤ V2R2 cannot read chunked, DG p.12),
 * keep-alive about 10 s.
 */
export class WorkpointListener {
  private server?: Server;
  private readonly connectionIds = new WeakMap<Socket, string>();
  private readonly tag = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly options: WorkpointListenerOptions,
    private readonly interactions: WorkpointInteractionService,
    private readonly log: ListenerLogger,
  ) {}

  private boundPort?: number;

  get port(): number {
    if (this.boundPort === undefined) throw new Error('workpoint listener is not started');
    return this.boundPort;
  }

  async start(): Promise<void> {
    const tlsOptions: ServerOptions = {
      ...this.options.tls,
      ...(this.options.secure ? { requestCert: true, rejectUnauthorized: true } : {}),
    };
    const server = createServer(tlsOptions, (req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = this.options.keepAliveMs;
    server.headersTimeout = Math.max(this.options.keepAliveMs + 1000, 15_000);
    server.requestTimeout = 30_000;
    // replies are small and written at once: never let Nagle hold one back for a delayed ACK
    server.on('secureConnection', (socket: TLSSocket) => socket.setNoDelay(true));
    server.on('tlsClientError', (err) =>
      this.log.warn({
        msg: 'phone TLS handshake failed',
        secure: this.options.secure,
        error: err.message,
      }),
    );
    this.server = server;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', fail);
        this.boundPort = (server.address() as AddressInfo).port;
        done();
      });
    });
  }

  async stop(cutAfterMs = 2000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), cutAfterMs).unref();
    });
  }

  private connectionId(socket: Socket): string {
    let id = this.connectionIds.get(socket);
    if (!id) {
      id = `${this.tag}-${++connectionCounter}`;
      this.connectionIds.set(socket, id);
    }
    return id;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const activity = this.options.activity;
    if (activity) {
      activity.begin();
      res.once('close', () => activity.end());
    }
    const path = (req.url ?? '/').split('?', 1)[0];
    const served = servedPrefix(path, this.options.paths);
    if (served === undefined) {
      req.resume();
      return reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', {
        allow: 'POST',
      });
    }
    const limit = this.options.maxBody;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return reply(res, 413, 'text/plain; charset=utf-8', `body larger than ${limit} bytes\n`, {
        connection: 'close',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    req.on('data', (c: Buffer) => {
      if (rejected) return;
      size += c.length;
      if (size > limit) {
        rejected = true;
        reply(res, 413, 'text/plain; charset=utf-8', `body larger than ${limit} bytes\n`, {
          connection: 'close',
        });
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => (rejected = true));
    req.on('end', () => {
      if (rejected) return;
      const body = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      this.serve(req, res, body, served).catch((err: Error) => {
        if (err instanceof PhoneBusyError) {
          reply(res, 503, 'text/plain; charset=utf-8', `${err.message}\n`, { 'retry-after': '1' });
          return;
        }
        if (isConnectionError(err)) {
          // Redis away: the phone should come back shortly, nothing is wrong with its request
          reply(res, 503, 'text/plain; charset=utf-8', 'temporarily unavailable\n', {
            'retry-after': '5',
          });
          return;
        }
        this.log.error({ msg: 'workpoint request failed', error: err.message, stack: err.stack });
        reply(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      });
    });
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    cookiePath: string,
  ): Promise<void> {
    const socket = req.socket as TLSSocket;
    const previous = readSessionCookie(req.headers.cookie);
    const out = await this.interactions.handle({
      body,
      session: previous,
      ip: socket.remoteAddress ?? '',
      connection: this.connectionId(socket),
      secure: this.options.secure && socket.authorized === true,
      clientCertFingerprint:
        this.options.secure && socket.authorized === true
          ? socket.getPeerCertificate().fingerprint256
          : undefined,
    });
    const activity = this.options.activity;
    if (activity && previous && (out.endSession || (out.session && out.session !== previous)))
      activity.session(`wp:${previous}`, false);
    if (activity && out.session) activity.session(`wp:${out.session}`, true);
    const headers: Record<string, string> = {};
    if (out.session)
      headers['set-cookie'] =
        `${SESSION_COOKIE}=${out.session}; Path=${cookiePath}; Secure; HttpOnly`;
    else if (out.endSession)
      headers['set-cookie'] = `${SESSION_COOKIE}=; Path=${cookiePath}; Max-Age=0; Secure; HttpOnly`;
    reply(res, 200, 'text/xml; charset=utf-8', out.body, headers);
  }
}

function reply(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  // a string body goes out in the same write as the headers: one TLS record, one syscall
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text, 'utf8'),
    ...extra,
  });
  res.end(text, 'utf8');
}

/**
 * The configured prefix `path` falls under (also the session cookie's Path), `/` when every path
 * is served, undefined when the path is not served.
 */
export function servedPrefix(path: string, prefixes: string[] = []): string | undefined {
  if (prefixes.length === 0) return '/';
  return prefixes.find((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}
