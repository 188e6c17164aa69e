import type { Redis } from 'ioredis';
import { RedisShards } from '../util/redis-shards';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * One session per device: a Redis key holding the owner token with a TTL, so a crashed process's
 * session frees itself. A new session from the device supersedes the old one (it rebooted or
 * lost its connection); the caller is told whose session it replaced.
 */
export class SessionLock {
  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
  ) {}

  /** In the device's shard, beside its jobs. */
  private key(deviceId: string): string {
    return this.shards.ofDevice(deviceId).lock(deviceId);
  }

  /** Takes the lock only if free. */
  async tryAcquire(deviceId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(deviceId), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Takes the lock whoever holds it; returns the previous owner, if any. */
  async supersede(deviceId: string, owner: string, ttlMs: number): Promise<string | null> {
    // SET … GET (Redis 6.2+): one native command, no script to hash at every session message
    return this.redis.set(this.key(deviceId), owner, 'PX', ttlMs, 'GET');
  }

  async renew(deviceId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key(deviceId), owner, ttlMs)) === 1;
  }

  async release(deviceId: string, owner: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key(deviceId), owner)) === 1;
  }

  holder(deviceId: string): Promise<string | null> {
    return this.redis.get(this.key(deviceId));
  }
}
