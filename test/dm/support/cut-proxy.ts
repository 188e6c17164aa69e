import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What happens to one message on its way: passed on, lost before the gateway, or its answer lost. */
export type CutAction = 'forward' | 'drop-request' | 'drop-response';

export interface ProxiedMessage {
  /** 1-based count of messages through this proxy */
  n: number;
  path: string;
  body: Buffer;
}

/**
 * An HTTP hop between handsets and the gateway's device listener (the gateway's PUBLIC_BASE_URL
 * points here, so RespURIs come back through it too). Each message can be delayed, lost before
 * the gateway saw it (a crash before the gateway stored anything) or after the gateway answered
 * (a crash after it stored its state: the handset never gets the reply). A lost message closes
 * the handset's connection without an answer, as a killed process does.
 */
export class CutProxy {
  private server?: Server;
  private target = '';
  private count = 0;
  /** decides each message's fate; default: forward at once */
  decide: (m: ProxiedMessage) => CutAction | Promise<CutAction> = () => 'forward';
  delayMs = 0;
  /** every answer the gateway gave (also those dropped on their way back), in order */
  readonly answers: { n: number; contentType?: string; body: Buffer }[] = [];
  /** called once the gateway answered a forwarded message (before it goes back) */
  afterAnswer?: (m: ProxiedMessage) => Promise<void> | void;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const m = { n: ++this.count, path: req.url ?? '/', body: Buffer.concat(chunks) };
          if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
          const action = await this.decide(m);
          if (action === 'drop-request') return req.socket.destroy();
          const upstream = request(
            `${this.target}${m.path}`,
            {
              method: req.method,
              headers: { ...req.headers, host: new URL(this.target).host },
              // the gateway sees the handset's own (loopback) address, as without the hop
              localAddress: req.socket.remoteAddress,
            },
            (up) => {
              const back: Buffer[] = [];
              up.on('data', (c: Buffer) => back.push(c));
              up.on('end', () => {
                void (async () => {
                  const body = Buffer.concat(back);
                  this.answers.push({ n: m.n, contentType: up.headers['content-type'], body });
                  await this.afterAnswer?.(m);
                  if (action === 'drop-response') return req.socket.destroy();
                  res.writeHead(up.statusCode ?? 502, up.headers);
                  res.end(body);
                })();
              });
            },
          );
          upstream.on('error', () => req.socket.destroy());
          upstream.end(m.body);
        })();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** where messages go (the gateway's device listener base URL) */
  forwardTo(baseUrl: string): void {
    this.target = baseUrl;
  }

  get messages(): number {
    return this.count;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
