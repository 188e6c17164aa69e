import type { Redis } from 'ioredis';
import { LuaScript } from '../util/redis-scripts';
import { RedisShards } from '../util/redis-shards';
import { pipelinePerShard } from '../util/shard-pipeline';
import { Device, Protocol, UniqueAddressKind, uniqueAddresses } from './device.model';

/** A unique address of a device and the shard whose index holds its claim. */
export interface Address {
  protocol: Protocol;
  kind: UniqueAddressKind;
  value: string;
  shard: number;
}

/**
 * Index values: `<device id>` when the claim was written together with its device (same shard,
 * one script), `<device id>\t<claimed-at, base36 ms>` when it was claimed in another shard ahead
 * of the device write.
 */
export function claimOwner(value: string): string {
  const tab = value.indexOf('\t');
  return tab < 0 ? value : value.slice(0, tab);
}

function claimedAt(value: string): number | undefined {
  const tab = value.indexOf('\t');
  return tab < 0 ? undefined : parseInt(value.slice(tab + 1), 36);
}

/** Claims `value` for a device unless another device holds it (or holds what the caller saw). */
const CLAIM = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  if string.match(cur, '^[^\\t]+') == ARGV[2] then return 'own' end
  if cur ~= ARGV[4] then return 'taken' end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]..'\\t'..ARGV[3])
return 'new'
`;

/** Drops a claim only if this device still holds it. */
const RELEASE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.match(cur, '^[^\\t]+') == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

const claimScript = new LuaScript(CLAIM);
const releaseScript = new LuaScript(RELEASE);

export type ClaimReply = 'new' | 'own' | 'taken';

/**
 * Unique addresses across shards. An address's claim lives in the shard its value hashes to,
 * usually not its device's, so claiming it and writing the device are two steps. Order makes a
 * crash harmless: claim first, write the device, release what it no longer has last. A claim left
 * behind by a crash names a device that does not (or no longer) has the address; such a claim is
 * taken over once it is older than `graceMs`, which also keeps a claim of a create still in
 * flight from being stolen. Lookups check the named device really has the address.
 */
export class AddressClaims {
  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
    private readonly loadDevice: (id: string) => Promise<Device | null>,
    readonly graceMs = 30_000,
  ) {}

  /** An address and the shard of its claim (that of `protocol:kind:value`). */
  address(protocol: Protocol, kind: UniqueAddressKind, value: string): Address {
    return { protocol, kind, value, shard: this.shards.indexOf(`${protocol}:${kind}:${value}`) };
  }

  addressesOf(device: Device | undefined): Address[] {
    if (!device) return [];
    return uniqueAddresses(device).map(([kind, value]) =>
      this.address(device.protocol, kind, value),
    );
  }

  indexKey(a: Address): string {
    return this.shards.all()[a.shard].addressIndex(a.protocol, a.kind);
  }

  async holder(a: Address): Promise<string | null> {
    return this.redis.hget(this.indexKey(a), a.value);
  }

  /** Claims many addresses in a round trip per shard. */
  async claimMany(items: { address: Address; id: string }[]): Promise<ClaimReply[]> {
    if (!items.length) return [];
    const sha = await claimScript.loadedSha(this.redis);
    const now = Date.now().toString(36);
    return (await pipelinePerShard(
      this.redis,
      items,
      (x) => x.address.shard,
      (pipe, x) => pipe.evalsha(sha, 1, this.indexKey(x.address), x.address.value, x.id, now, ''),
    )) as ClaimReply[];
  }

  /** Claims one address, taking over a stale claim. */
  async claim(address: Address, id: string): Promise<ClaimReply> {
    for (let tries = 0; tries < 3; tries++) {
      const current = await this.holder(address);
      if (current !== null && claimOwner(current) !== id && !(await this.isStale(address, current)))
        return 'taken';
      const reply = (await claimScript.run(
        this.redis,
        [this.indexKey(address)],
        [address.value, id, Date.now().toString(36), current ?? ''],
      )) as ClaimReply;
      if (reply !== 'taken') return reply;
    }
    return 'taken';
  }

  async releaseMany(items: { address: Address; id: string }[]): Promise<void> {
    if (!items.length) return;
    const sha = await releaseScript.loadedSha(this.redis);
    await pipelinePerShard(
      this.redis,
      items,
      (x) => x.address.shard,
      (pipe, x) => pipe.evalsha(sha, 1, this.indexKey(x.address), x.address.value, x.id),
    );
  }

  /**
   * A claim is live while its device has the address. Otherwise it is left over from a crash, or
   * belongs to a write still in flight: only a claim older than the grace period may be taken.
   */
  async isStale(a: Address, value: string): Promise<boolean> {
    const owner = await this.loadDevice(claimOwner(value));
    if (owner && owner.protocol === a.protocol && owner.addressing[a.kind] === a.value)
      return false;
    const at = claimedAt(value);
    return at === undefined || Date.now() - at > this.graceMs;
  }

  /** The device holding an address; a claim whose device does not have it answers null. */
  async lookup(a: Address): Promise<string | null> {
    const value = await this.holder(a);
    if (value === null) return null;
    const id = claimOwner(value);
    if (claimedAt(value) === undefined) return id;
    const owner = await this.loadDevice(id);
    return owner && owner.protocol === a.protocol && owner.addressing[a.kind] === a.value
      ? id
      : null;
  }
}
