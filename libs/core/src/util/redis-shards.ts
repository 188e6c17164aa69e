import { redisKeySlot } from './key-slot';
import { ShardKeys } from './redis-keys';

/** Most shards a deployment may use: a shard is written as two base36 digits in job ids. */
export const MAX_SHARDS = 36 * 36;

/** FNV-1a over UTF-16 code units: stable, fast, and good enough to spread ids over shards. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hash slots of a Redis Cluster. */
const SLOTS = 16384;

/**
 * The hash tag of shard `k` of `count` under the tag `name`: `name:k`, or `name:k.j` with the
 * smallest `j` that puts the tag in the k-th of `count` equal slices of the slot space. Tags that
 * merely hash "somewhere" bunch up (16 shards over 3 masters came out 4/8/4); one per slice
 * spreads them over masters holding equal slot ranges as evenly as the count allows.
 */
function shardTag(name: string, k: number, count: number): string {
  const low = Math.floor((k * SLOTS) / count);
  const high = Math.floor(((k + 1) * SLOTS) / count);
  for (let j = 0; ; j++) {
    const tag = j === 0 ? `${name}:${k}` : `${name}:${k}.${j}`;
    const slot = redisKeySlot(tag);
    if (slot >= low && slot < high) return tag;
  }
}

/**
 * The key prefix of shard `k`. One shard keeps the deployment's prefix (the historical layout).
 * With more, a hash-tagged prefix (`{dmb}:`, what the gateway uses on a cluster) gives each shard
 * a tag of its own, `{dmb:7}:` or `{dmb:7.<j>}:` (see shardTag), so the shards spread over the
 * masters while every key of one shard stays in one slot; an untagged prefix (a single Redis, where
 * slots do not matter) becomes `dmb:{7}:`. Core's keys sit under `<shard prefix>core:`; other
 * device-scoped stores (DM sessions, Workpoint phones) put theirs under the same prefix.
 */
export function shardPrefix(prefix: string, k: number, count: number): string {
  if (count === 1) return prefix;
  const tagged = /^\{([^}]+)\}(.*)$/.exec(prefix);
  if (tagged) return `{${shardTag(tagged[1], k, count)}}${tagged[2]}`;
  return `${prefix}{${k}}:`;
}

/**
 * Where device-scoped keys live. A device, its inventory, lock, jobs, job indexes and the
 * per-shard counters all sit in the device's shard, so every script that changes them touches one
 * hash slot. Global uniqueness (addresses, idempotency keys) is claimed in the shard of the
 * claimed value; see docs/core.md for how those cross-shard steps recover from a crash.
 */
export class RedisShards {
  private readonly shards: ShardKeys[];

  constructor(
    readonly prefix: string,
    readonly count = 1,
  ) {
    if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
      throw new RangeError(`shard count must be an integer from 1 to ${MAX_SHARDS}`);
    this.shards = Array.from(
      { length: count },
      (_, k) => new ShardKeys(shardPrefix(prefix, k, count), k),
    );
  }

  all(): readonly ShardKeys[] {
    return this.shards;
  }

  /** The shard a free-form value (device id, address, idempotency key) belongs to. */
  indexOf(value: string): number {
    return this.count === 1 ? 0 : fnv1a(value) % this.count;
  }

  ofDevice(deviceId: string): ShardKeys {
    return this.shards[this.indexOf(deviceId)];
  }

  ofValue(value: string): ShardKeys {
    return this.shards[this.indexOf(value)];
  }

  /**
   * A job lives in its device's shard and says so in its id (two base36 digits at the end) so a
   * job can be found from its id alone. With one shard ids carry no suffix.
   */
  jobId(baseId: string, deviceId: string): string {
    if (this.count === 1) return baseId;
    return baseId + this.indexOf(deviceId).toString(36).padStart(2, '0');
  }

  /** The shard of a job id made by `jobId`; null when the id cannot be one of this deployment's. */
  ofJob(jobId: string): ShardKeys | null {
    if (this.count === 1) return this.shards[0];
    const k = parseInt(jobId.slice(-2), 36);
    return Number.isInteger(k) && k < this.count && /^[0-9a-z]{2}$/.test(jobId.slice(-2))
      ? this.shards[k]
      : null;
  }
}
