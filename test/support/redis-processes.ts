import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';

/**
 * Private redis-server / redis-sentinel processes for tests that need a topology of their own
 * (sentinel, failover). Every process is tracked so afterAll can kill exactly those.
 */

// redis-server cannot listen on port 0 and report it, so take a free ephemeral port just before
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A short-lived client for one command; never retries, never throws on connection errors. */
export async function redisCall(port: number, ...args: (string | number)[]): Promise<unknown> {
  const r = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await r.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    r.disconnect();
  }
}

export class RedisProcesses {
  private readonly children: ChildProcess[] = [];

  /** Starts `redis-server` with the given arguments (a config file first, or `--port …`). */
  spawn(args: string[]): ChildProcess {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  /** SIGKILL to every process this instance started, and waits until each has exited. */
  async killAll(): Promise<void> {
    const children = this.children.splice(0).reverse();
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.kill('SIGKILL');
          }),
      ),
    );
  }
}
