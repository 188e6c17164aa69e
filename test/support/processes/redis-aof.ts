import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisCall, waitFor } from '../redis-processes';
import { freeListenPort } from './ports';
import { baseEnv, ExitInfo, LoggedChild } from './child';

/**
 * A private redis-server with AOF (`appendfsync everysec`) in its own directory and port. It can
 * be stopped with any signal and started again on the same port from the same AOF, as a
 * production Redis restarts after a crash.
 */
export class RedisAofProcess {
  readonly dir: string;
  port = 0;
  private proc?: LoggedChild;

  constructor(private readonly logDir: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'dmb-resil-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.proc?.running;
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freeListenPort();
    this.proc = new LoggedChild(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--dir',
        this.dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      baseEnv(),
      join(this.logDir, 'redis.log'),
      'redis',
    );
    // loading a large AOF takes a moment; PING answers LOADING until it is done
    await waitFor(
      async () => (await redisCall(this.port, 'PING')) === 'PONG',
      `redis :${this.port}`,
      30_000,
    );
    return this;
  }

  /** SIGTERM (Redis writes and fsyncs the AOF, then exits) or SIGKILL (up to ~1 s of writes lost). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo | undefined> {
    return this.proc?.stop(signal);
  }

  async restart(signal: NodeJS.Signals, downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
