import type { Redis } from 'ioredis';
import { RedisShards } from '../util/redis-shards';
import { LuaScript } from '../util/redis-scripts';
import type { ProcessLiveness } from './process-liveness';

/** Removes the lock if it holds exactly ARGV[1] (a dead holder's value, as read). */
const REMOVE_EXACT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/**
 * The lock belongs to owner ARGV[1] whichever process wrote it (a session's messages may reach
 * any gateway process): its value is the owner, or a process id (never containing `|`), `|` and
 * the owner.
 */
const OWNS = `local v = redis.call('GET', KEYS[1])
local owns = false
if v then
  local sep = string.find(v, '|', 1, true)
  owns = v == ARGV[1] or (sep ~= nil and string.sub(v, sep + 1) == ARGV[1])
end`;
const RELEASE = `${OWNS}
if owns then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Renewed by this process: the value names it from now on. */
const RENEW = `${OWNS}
if owns then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;

// EVALSHA once loaded: the lock is renewed at every session message
const removeExact = new LuaScript(REMOVE_EXACT);
const release = new LuaScript(RELEASE);
const renew = new LuaScript(RENEW);

/** What the watchdog finds: no holder, a holder whose process lives, or a dead one's lock removed. */
export type LockHolder = 'free' | 'alive' | 'broken';

/** A lock's value: `<process id>|<owner>` when the process has a heartbeat, else the owner. */
const SEP = '|';

function ownerOf(value: string): string {
  const sep = value.indexOf(SEP);
  return sep < 0 ? value : value.slice(sep + 1);
}

/**
 * One session per device: a Redis key holding the owner token with a TTL, so a crashed process's
 * session frees itself. A new session from the device supersedes the old one (it rebooted or
 * lost its connection); the caller is told whose session it replaced.
 */
export class SessionLock {
  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
    /** this process's heartbeat: its locks name it (see ProcessLiveness) */
    private readonly liveness?: ProcessLiveness,
  ) {}

  private value(owner: string): string {
    return this.liveness ? `${this.liveness.id}${SEP}${owner}` : owner;
  }

  /** In the device's shard, beside its jobs. */
  private key(deviceId: string): string {
    return this.shards.ofDevice(deviceId).lock(deviceId);
  }

  /** Takes the lock only if free. */
  async tryAcquire(deviceId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (
      (await this.redis.set(this.key(deviceId), this.value(owner), 'PX', ttlMs, 'NX')) === 'OK'
    );
  }

  /** Takes the lock whoever holds it; returns the previous owner, if any. */
  async supersede(deviceId: string, owner: string, ttlMs: number): Promise<string | null> {
    // SET … GET (Redis 6.2+): one native command, no script to hash at every session message
    const previous = await this.redis.set(
      this.key(deviceId),
      this.value(owner),
      'PX',
      ttlMs,
      'GET',
    );
    return previous === null ? null : ownerOf(previous);
  }

  async renew(deviceId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (
      (await renew.run(this.redis, [this.key(deviceId)], [owner, this.value(owner), ttlMs])) === 1
    );
  }

  async release(deviceId: string, owner: string): Promise<boolean> {
    return (await release.run(this.redis, [this.key(deviceId)], [owner])) === 1;
  }

  /**
   * Whether the device's session is held by a live process. A lock whose process's heartbeat is
   * gone (it died) is removed — unless someone took it meanwhile — and reported `broken`.
   */
  async holderState(deviceId: string): Promise<LockHolder> {
    const value = await this.redis.get(this.key(deviceId));
    if (value === null) return 'free';
    const sep = value.indexOf(SEP);
    if (!this.liveness || sep < 0 || (await this.liveness.alive(value.slice(0, sep))))
      return 'alive';
    await removeExact.run(this.redis, [this.key(deviceId)], [value]);
    return 'broken';
  }

  /** The owner holding the device's session (whichever process it is in), if any. */
  async holder(deviceId: string): Promise<string | null> {
    const value = await this.redis.get(this.key(deviceId));
    return value === null ? null : ownerOf(value);
  }
}
