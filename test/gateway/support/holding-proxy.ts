import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder in front of the device listener that counts requests and holds those from
 * the `holdFrom`-th on until `release()`. Lets a test keep a device session half-way while it
 * signals the gateway.
 */
export class HoldingProxy {
  private server?: Server;
  private readonly released: Promise<void>;
  private release_!: () => void;
  private readonly seen: Array<() => void> = [];
  requests = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly holdFrom = Infinity,
  ) {
    this.released = new Promise((r) => (this.release_ = r));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  release(): void {
    this.release_();
  }

  /** Resolves when the n-th request has arrived. */
  nth(n: number): Promise<void> {
    if (this.requests >= n) return Promise.resolve();
    return new Promise((done) => this.seen.push(() => this.requests >= n && done()));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = ++this.requests;
        for (const s of this.seen) s();
        const wait = n >= this.holdFrom ? this.released : Promise.resolve();
        void wait.then(() => {
          const out = request(
            {
              ...this.target,
              method: req.method,
              path: req.url,
              headers: req.headers,
              agent: false,
            },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
          );
          out.on('error', (err) => {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`proxy: ${err.message}\n`);
          });
          out.end(Buffer.concat(chunks));
        });
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server?.closeAllConnections();
  }
}
