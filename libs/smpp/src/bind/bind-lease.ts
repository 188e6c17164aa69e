import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease that makes one process the owner of one bind. The owner renews it well before
 * it expires; if the owner dies the key expires and the next process to try takes over.
 */
export class BindLease {
  readonly token = `${process.pid}:${randomUUID()}`;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const r = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    return r === 'OK';
  }

  /** False when the lease was lost (expired and taken by someone else). */
  async renew(): Promise<boolean> {
    const r = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
    return r === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }

  async owner(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
