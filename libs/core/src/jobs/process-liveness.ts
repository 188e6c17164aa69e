import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/**
 * This process's heartbeat in Redis (`<prefix>proc:<id>`, renewed four times a lifetime). The
 * session locks it takes name it, so a watchdog in any process tells a holder that died (its
 * heartbeat gone within `ttlMs`) from one whose session is only quiet, without waiting for the
 * lock's own, longer, lifetime.
 */
export class ProcessLiveness {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlMs = 10_000,
  ) {}

  private key(id: string): string {
    return `${this.prefix}proc:${id}`;
  }

  /** Beats now and from now on (a failed beat is retried at the next tick). */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => undefined), this.ttlMs / 4);
    this.timer.unref();
  }

  /** Stops beating and says so at once: the sessions this process held are over. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.del(this.key(this.id)).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    await this.redis.set(this.key(this.id), '1', 'PX', this.ttlMs);
  }

  async alive(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id))) === 1;
  }
}
