import type { RedisShards } from '@dm-bridge/core';
import type { PhoneState } from '@dm-bridge/workpoint';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * State write + lock release in one step, only while we still hold the lock. The inventory has
 * a key of its own beside the state (KEYS[4]): most requests leave it as it was, and then only
 * its lifetime is renewed (ARGV[7] empty) instead of writing it again.
 */
const SAVE_LUA = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'set' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[6])
  if ARGV[7] ~= '' then redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[6])
  else redis.call('PEXPIRE', KEYS[4], ARGV[6]) end
end
if ARGV[2] == 'del' then redis.call('DEL', KEYS[1], KEYS[4]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5]) end
redis.call('DEL', KEYS[2])
return 1
`;

/**
 * Lock and read in one command: [state, inventory] ('' when none), or nil when another request
 * holds the phone.
 */
const LOCK_LUA = `
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then
  local s = redis.call('GET', KEYS[1])
  if not s then return {'', ''} end
  return {s, redis.call('GET', KEYS[3]) or ''}
end
return false
`;

type SaveRedis = Redis & {
  wpSave(state: string, lock: string, ip: string, inv: string, ...args: string[]): Promise<number>;
  wpLock(
    state: string,
    lock: string,
    inv: string,
    token: string,
    ttlMs: string,
  ): Promise<[string, string] | null>;
};

export class PhoneBusyError extends Error {
  constructor(mac: string) {
    super(`another request of phone ${mac} is being processed`);
  }
}

/** Lifetimes of phone-state keys: every key has one (a probe must not fill Redis for good). */
export interface StateTtl {
  /** a phone whose inventory was read (registered); renewed at every request */
  registeredMs: number;
  /** a phone that never finished a ReadAllItems (a first start-up, a probe) */
  unregisteredMs: number;
}

export const DEFAULT_STATE_TTL: StateTtl = {
  registeredMs: 90 * 86_400_000,
  unregisteredMs: 600_000,
};

export interface LockedPhone {
  mac: string;
  token: string;
  state?: PhoneState;
  /** the inventory as stored (JSON), to write it again only when it changed */
  inventoryJson?: string;
}

/** A stored state and its inventory key as one PhoneState (older states carry it inside). */
function readState(
  raw: string,
  inventoryRaw: string,
): { state: PhoneState; inventoryJson?: string } {
  const state = JSON.parse(raw) as PhoneState;
  if (state.inventory) return { state }; // stored whole, before the inventory had its own key
  state.inventory = inventoryRaw ? (JSON.parse(inventoryRaw) as Record<string, string>) : {};
  return { state, inventoryJson: inventoryRaw || undefined };
}

/**
 * Phone state in Redis, keyed by MAC (`<shard prefix>wp:phone:<mac>`, its inventory beside it in
 * `wp:inv:<mac>`, written only when it changed: the bulk of a state). One request per phone at a
 * time: a lock key taken in the same round trip as the read, released by the write script.
 *
 * A phone's state and lock live in the MAC's shard (`shards.ofValue(mac)`), so both scripts touch
 * one hash slot. The IP index (`wp:ip:<ip>` → MAC) is looked up by address alone, so it lives in
 * the address's shard (`shards.ofValue(ip)`); with one shard every prefix is the deployment's.
 */
export class PhoneStateStore {
  private readonly redis: SaveRedis;
  /** lock tokens only need to be unique, not secret */
  private readonly tokenBase = `${randomBytes(6).toString('hex')}.`;
  private tokenSeq = 0;

  constructor(
    redis: Redis,
    private readonly shards: RedisShards,
    /** how long a phone's state outlives its last write (see `ttlOf`) */
    private readonly stateTtl: StateTtl = DEFAULT_STATE_TTL,
    private readonly lockTtlMs = 10_000,
  ) {
    this.redis = redis as SaveRedis;
    if (!(this.redis as any).wpSave) {
      this.redis.defineCommand('wpSave', { numberOfKeys: 4, lua: SAVE_LUA });
      this.redis.defineCommand('wpLock', { numberOfKeys: 3, lua: LOCK_LUA });
    }
  }

  stateKey(mac: string): string {
    return `${this.shards.ofValue(mac).prefix}wp:phone:${mac}`;
  }

  inventoryKey(mac: string): string {
    return `${this.shards.ofValue(mac).prefix}wp:inv:${mac}`;
  }

  lockKey(mac: string): string {
    return `${this.shards.ofValue(mac).prefix}wp:lock:${mac}`;
  }

  ipKey(ip: string): string {
    return `${this.shards.ofValue(ip).prefix}wp:ip:${ip}`;
  }

  /** Takes the phone's lock and reads its state (one script, one round trip); retries briefly. */
  async lockAndLoad(mac: string): Promise<LockedPhone> {
    const token = `${this.tokenBase}${++this.tokenSeq}`;
    const p = this.shards.ofValue(mac).prefix;
    for (let attempt = 0; ; attempt++) {
      const raw = await this.redis.wpLock(
        `${p}wp:phone:${mac}`,
        `${p}wp:lock:${mac}`,
        `${p}wp:inv:${mac}`,
        token,
        String(this.lockTtlMs),
      );
      if (raw !== null)
        return raw[0] ? { mac, token, ...readState(raw[0], raw[1]) } : { mac, token };
      if (attempt >= 20) throw new PhoneBusyError(mac);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Writes the new state (`null` deletes it, `undefined` keeps it) and releases the lock.
   * With `ip`, remembers which phone talks from that address (for reply-to without cookie).
   */
  async saveAndUnlock(
    locked: LockedPhone,
    state: PhoneState | null | undefined,
    ip?: string,
    ipTtlMs = 120_000,
  ): Promise<boolean> {
    const op = state === undefined ? 'keep' : state === null ? 'del' : 'set';
    const shard = this.shards.ofValue(locked.mac);
    const p = shard.prefix;
    // The index rides in the script when the address hashes to the phone's shard (always so
    // with one shard, the historical layout); otherwise it is a step of its own in its shard.
    const ipInScript = !!ip && this.shards.ofValue(ip) === shard;
    if (ip && !ipInScript) {
      // Two single-shard steps, index first, state second: the state may record an open
      // interaction that cookieless requests from `ip` reach through the index, so the index is
      // in place before that state is. If the process dies in between, the index names a phone
      // that really did open an interaction from `ip`, its state is unchanged, no reply went out
      // and its lock lapses: the next request from `ip` finds that phone, which is right. The
      // other order could leave an open interaction stored with no index entry, or one naming the
      // previous phone on that address, until the entry expires. Should the lock turn out lost,
      // the index write stays: it is still true.
      await this.redis.set(this.ipKey(ip), locked.mac, 'PX', ipTtlMs);
    }
    const inventory = state ? JSON.stringify(state.inventory) : '';
    const ok = await this.redis.wpSave(
      `${p}wp:phone:${locked.mac}`,
      `${p}wp:lock:${locked.mac}`,
      ipInScript ? `${p}wp:ip:${ip}` : `${p}wp:ip:-`,
      `${p}wp:inv:${locked.mac}`,
      locked.token,
      op,
      state ? JSON.stringify({ ...state, inventory: undefined }) : '',
      ipInScript ? locked.mac : '',
      String(ipTtlMs),
      String(state ? this.ttlOf(state) : 0),
      inventory === locked.inventoryJson ? '' : inventory,
    );
    return ok === 1;
  }

  private ttlOf(state: PhoneState): number {
    return state.registered ? this.stateTtl.registeredMs : this.stateTtl.unregisteredMs;
  }

  async get(mac: string): Promise<PhoneState | undefined> {
    const [raw, inventory] = await this.redis.mget(this.stateKey(mac), this.inventoryKey(mac));
    return raw ? readState(raw, inventory ?? '').state : undefined;
  }

  async macForIp(ip: string): Promise<string | undefined> {
    return (await this.redis.get(this.ipKey(ip))) ?? undefined;
  }

  /** Read-modify-write outside a request (timeouts); skipped when a request holds the phone. */
  async update(mac: string, fn: (s: PhoneState) => PhoneState | undefined): Promise<boolean> {
    let locked: LockedPhone;
    try {
      locked = await this.lockAndLoad(mac);
    } catch {
      return false;
    }
    const next = locked.state ? fn(locked.state) : undefined;
    return this.saveAndUnlock(locked, next);
  }
}
