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

/**
 * The key prefix of shard `k`. One shard keeps the deployment's prefix (the historical layout);
 * with more, each shard's prefix carries a hash tag of its own so a Redis Cluster spreads the
 * shards over its masters while every key of one shard stays in one slot: `{dmb}:` becomes
 * `{dmb:7}:`, an untagged `dmb:` becomes `dmb:{7}:`. Core's keys sit under `<shard prefix>core:`;
 * other device-scoped stores (DM sessions, Workpoint phones) put theirs under the same prefix.
 */
export function shardPrefix(prefix: string, k: number, count: number): string {
  if (count === 1) return prefix;
  const tagged = /^\{([^}]+)\}(.*)$/.exec(prefix);
  if (tagged) return `{${tagged[1]}:${k}}${tagged[2]}`;
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
