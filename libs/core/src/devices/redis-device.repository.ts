import type { Redis } from 'ioredis';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LuaScript } from '../util/redis-scripts';
import { RedisShards } from '../util/redis-shards';
import { pipelinePerShard, readPerShard } from '../util/shard-pipeline';
import { Address, AddressClaims } from './address-claims';
import { decodeDevice, encodeDevice } from './device.codec';
import {
  Device,
  Inventory,
  InventoryEntry,
  InventoryObservation,
  InventorySource,
  Protocol,
  UniqueAddressKind,
} from './device.model';
import { DeviceFilter, DeviceRepository, WriteOutcome } from './device.repository';

/**
 * Writes a device and its shard's indexes atomically (create, replace or delete). Addresses whose
 * claim lives in this shard are checked and indexed here too, so with one shard an address can
 * never point at a missing device nor two devices share one address; claims living in other
 * shards were taken by AddressClaims before this runs.
 */
const LC_PAD = `local function lcm(at, id) at = at or '0' return string.rep('0', 9 - #at)..at..':'..id end
`;

const WRITE_DEVICE = `${LC_PAD}
local b, id, old, new, op, np = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local oc, nc = ARGV[11], ARGV[12]
local function lines(s) local t = {} for x in string.gmatch(s, '[^\\n]+') do t[#t+1] = x end return t end
local function owner(v) return v and string.match(v, '^[^\\t]+') end
local oa, na, ot, nt = lines(ARGV[7]), lines(ARGV[8]), lines(ARGV[9]), lines(ARGV[10])
local dk = KEYS[1]
local cur = redis.call('GET', dk)
if old == '' then
  if cur then return 'exists' end
elseif cur ~= old then return 'stale' end
if new ~= '' then
  for _, a in ipairs(na) do
    local k, v = string.match(a, '^([^=]+)=(.*)$')
    local o = owner(redis.call('HGET', b..'ix:'..np..':'..k, v))
    if o and o ~= id then return 'taken:'..k..'='..v end
  end
end
for _, a in ipairs(oa) do
  local k, v = string.match(a, '^([^=]+)=(.*)$')
  local ik = b..'ix:'..op..':'..k
  if owner(redis.call('HGET', ik, v)) == id then redis.call('HDEL', ik, v) end
end
for _, t in ipairs(ot) do redis.call('ZREM', b..'ix:t:'..t, id) end
if new == '' then
  redis.call('DEL', dk, b..'inv:'..id)
  redis.call('ZREM', b..'ix:lc', lcm(redis.call('HGET', b..'lc', id), id))
  redis.call('HDEL', b..'lc', id)
  redis.call('ZREM', b..'ix:all', oc..id)
  return 'ok'
end
if old ~= '' and oc ~= nc then redis.call('ZREM', b..'ix:all', oc..id) end
redis.call('SET', dk, new)
for _, a in ipairs(na) do
  local k, v = string.match(a, '^([^=]+)=(.*)$')
  redis.call('HSET', b..'ix:'..np..':'..k, v, id)
end
redis.call('ZADD', b..'ix:all', 0, nc..id)
if old == '' then redis.call('ZADD', b..'ix:lc', 0, lcm(redis.call('HGET', b..'lc', id), id)) end
for _, t in ipairs(nt) do redis.call('ZADD', b..'ix:t:'..t, 0, id) end
return 'ok'
`;

const writeScript = new LuaScript(WRITE_DEVICE);

/**
 * KEYS[1]: the device. Records a contact and moves the device in the shard's last-contact index
 * (only while the device exists, so a contact racing a delete leaves no index entry behind).
 */
const SET_LAST_CONTACT = `${LC_PAD}
local b, id, at = ARGV[1], ARGV[2], ARGV[3]
local prev = redis.call('HGET', b..'lc', id)
redis.call('HSET', b..'lc', id, at)
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('ZREM', b..'ix:lc', lcm(prev, id))
  redis.call('ZADD', b..'ix:lc', 0, lcm(at, id))
end
return 1
`;

const setLastContactScript = new LuaScript(SET_LAST_CONTACT);

/**
 * Adds devices stored before the last-contact index existed (ARGV: base, ids…); KEYS[1] is the
 * shard's index. Entries are rebuilt from the \`lc\` hash, so running it twice changes nothing.
 */
const INDEX_LAST_CONTACTS = `${LC_PAD}
local b = ARGV[1]
for i = 2, #ARGV do
  local id = ARGV[i]
  redis.call('ZADD', b..'ix:lc', 0, lcm(redis.call('HGET', b..'lc', id), id))
end
return #ARGV - 1
`;

const indexLastContactsScript = new LuaScript(INDEX_LAST_CONTACTS);

/** The lexicographic bound of the last-contact index for "before `at`" (9 base36 digits). */
export function lastContactKey(at: number): string {
  return Math.max(1, Math.floor(at)).toString(36).padStart(9, '0');
}

/** Id characters are at most 'z'; '~' sorts after all of them, closing a prefix range. */
const PREFIX_END = '~';

const BATCH = 500;

/**
 * One index serves "all devices" and "devices of a protocol": members are a one-letter protocol
 * code followed by the id, so a protocol is a lexicographic range of it.
 */
const PROTOCOL_CODE: Record<Protocol, string> = { omacp: 'c', omadm: 'd', workpoint: 'w' };
const COMPRESSED = 0x7a; // 'z'

type StoredEntry = string | [string, string, InventorySource, string?];

function toOutcome(reply: string): WriteOutcome | 'stale' {
  if (reply === 'ok') return { ok: true };
  if (reply === 'stale') return 'stale';
  if (reply === 'exists')
    return { ok: false, code: 'exists', message: 'a device with this id already exists' };
  return {
    ok: false,
    code: 'address-taken',
    message: `address ${reply.slice(6)} belongs to another device`,
  };
}

const sameAddress = (a: Address, b: Address) =>
  a.protocol === b.protocol && a.kind === b.kind && a.value === b.value;

/** How many entries to ask each of `shards` shards for, to fill a page of `count` merged. */
function perShardCount(count: number, shards: number): number {
  return shards === 1 ? count : Math.min(count, Math.ceil((2 * count) / shards) + 16);
}

/**
 * Merges per-shard sorted runs of up to `asked` entries each. A shard that answered a full run
 * may hold more entries beyond its last one, so the merge is only complete up to the smallest
 * last entry of the full runs; past that it stops (a page may come out shorter than `count`, and
 * the cursor goes on from there). `more` tells whether any shard may have more.
 */
function mergeRuns(
  runs: string[][],
  asked: number,
  count: number,
): { items: string[]; more: boolean } {
  const full = runs.filter((r) => r.length === asked);
  const bound = full.length ? full.map((r) => r[r.length - 1]).sort()[0] : undefined;
  let items = runs.flat().sort();
  if (bound !== undefined) items = items.filter((x) => x <= bound);
  const more = full.length > 0 || items.length > count;
  return { items: items.slice(0, count), more };
}

export class RedisDeviceRepository implements DeviceRepository {
  private readonly claims: AddressClaims;

  constructor(
    private readonly redis: Redis,
    private readonly shards: RedisShards,
    claimGraceMs?: number,
  ) {
    this.claims = new AddressClaims(redis, shards, (id) => this.get(id), claimGraceMs);
  }

  private shardOf(d: Device) {
    return this.shards.indexOf(d.id);
  }

  /** Addresses whose claim lives in the device's own shard (written by the device script). */
  private local(d: Device | undefined): Address[] {
    return d ? this.claims.addressesOf(d).filter((a) => a.shard === this.shardOf(d)) : [];
  }

  private remote(d: Device | undefined): Address[] {
    return d ? this.claims.addressesOf(d).filter((a) => a.shard !== this.shardOf(d)) : [];
  }

  private writeArgs(previous: Device | undefined, next: Device | undefined): string[] {
    const ref = (next ?? previous)!;
    const lines = (as: Address[]) => as.map((a) => `${a.kind}=${a.value}`).join('\n');
    return [
      this.shards.ofDevice(ref.id).base,
      ref.id,
      previous ? encodeDevice(previous) : '',
      next ? encodeDevice(next) : '',
      (previous ?? ref).protocol,
      ref.protocol,
      lines(this.local(previous)),
      lines(this.local(next)),
      previous ? previous.tags.join('\n') : '',
      next ? next.tags.join('\n') : '',
      PROTOCOL_CODE[(previous ?? ref).protocol],
      PROTOCOL_CODE[ref.protocol],
    ];
  }

  private async runWrite(previous: Device | undefined, next: Device | undefined): Promise<string> {
    const id = (next ?? previous)!.id;
    return (await writeScript.run(
      this.redis,
      [this.shards.ofDevice(id).device(id)],
      this.writeArgs(previous, next),
    )) as string;
  }

  /**
   * One device write with its cross-shard claims: claim new remote addresses, write the device,
   * release the remote addresses it no longer has. A local address held by a stale remote claim
   * is taken over and the write tried again.
   */
  private async write(previous: Device | undefined, next: Device | undefined): Promise<string> {
    const ref = (next ?? previous)!;
    const claimed: { address: Address; id: string }[] = [];
    for (const address of this.remote(next)) {
      const reply = await this.claims.claim(address, ref.id);
      if (reply === 'taken') {
        await this.claims.releaseMany(claimed);
        return `taken:${address.kind}=${address.value}`;
      }
      if (reply === 'new') claimed.push({ address, id: ref.id });
    }
    let reply = await this.runWrite(previous, next);
    for (let tries = 0; tries < 2 && reply.startsWith('taken:') && next; tries++) {
      const [kind, value] = reply.slice(6).split(/=(.*)/s) as [UniqueAddressKind, string];
      const address = this.local(next).find((a) => a.kind === kind && a.value === value);
      if (!address || (await this.claims.claim(address, ref.id)) === 'taken') break;
      reply = await this.runWrite(previous, next);
    }
    if (reply !== 'ok') {
      await this.claims.releaseMany(claimed);
      return reply;
    }
    const kept = this.claims.addressesOf(next);
    await this.claims.releaseMany(
      this.remote(previous)
        .filter((a) => !kept.some((b) => sameAddress(a, b)))
        .map((address) => ({ address, id: ref.id })),
    );
    return reply;
  }

  async get(id: string): Promise<Device | null> {
    const raw = await this.redis.get(this.shards.ofDevice(id).device(id));
    return raw ? decodeDevice(id, raw) : null;
  }

  async getMany(ids: string[]): Promise<(Device | null)[]> {
    if (!ids.length) return [];
    const shards = this.shards.all();
    const raws = await readPerShard(
      ids,
      (id) => this.shards.indexOf(id),
      (k, some) => this.redis.mget(some.map(shards[k].device)),
    );
    return raws.map((raw, i) => (raw ? decodeDevice(ids[i], raw) : null));
  }

  async createMany(devices: Device[]): Promise<WriteOutcome[]> {
    const out: WriteOutcome[] = [];
    for (let i = 0; i < devices.length; i += BATCH)
      out.push(...(await this.createBatch(devices.slice(i, i + BATCH))));
    return out;
  }

  /**
   * Claims of the whole batch in one round trip per shard, then the device writes likewise; a row
   * that meets a held address goes through the one-by-one path, which can take over stale claims.
   */
  private async createBatch(devices: Device[]): Promise<WriteOutcome[]> {
    const claimItems = devices.flatMap((d, row) =>
      this.remote(d).map((address) => ({ address, id: d.id, row })),
    );
    const claimReplies = await this.claims.claimMany(claimItems);
    const slow = new Set<number>();
    const fresh = new Map<number, { address: Address; id: string }[]>();
    claimItems.forEach((item, i) => {
      if (claimReplies[i] === 'taken') slow.add(item.row);
      if (claimReplies[i] === 'new') fresh.set(item.row, [...(fresh.get(item.row) ?? []), item]);
    });
    const sha = await writeScript.loadedSha(this.redis);
    const rows = devices.map((_, row) => row).filter((row) => !slow.has(row));
    const replies = (await pipelinePerShard(
      this.redis,
      rows,
      (row) => this.shardOf(devices[row]),
      (pipe, row) => {
        const d = devices[row];
        pipe.evalsha(
          sha,
          1,
          this.shards.ofDevice(d.id).device(d.id),
          ...this.writeArgs(undefined, d),
        );
      },
    )) as string[];
    const out: WriteOutcome[] = new Array(devices.length);
    rows.forEach((row, i) => {
      if (replies[i].startsWith('taken:') && this.shards.count > 1) slow.add(row);
      else out[row] = toOutcome(replies[i]) as WriteOutcome;
    });
    await this.claims.releaseMany(
      [...fresh].filter(([row]) => slow.has(row) || !out[row]?.ok).flatMap(([, items]) => items),
    );
    for (const row of slow)
      out[row] = toOutcome(await this.write(undefined, devices[row])) as WriteOutcome;
    return out;
  }

  async replace(previous: Device, next: Device): Promise<WriteOutcome | 'stale'> {
    return toOutcome(await this.write(previous, next));
  }

  async delete(device: Device): Promise<boolean> {
    return (await this.write(device, undefined)) === 'ok';
  }

  findIdByAddress(
    protocol: Protocol,
    kind: UniqueAddressKind,
    value: string,
  ): Promise<string | null> {
    return this.claims.lookup(this.claims.address(protocol, kind, value));
  }

  /** One lexicographic range of a per-shard index, merged over the shards. */
  private async scanRange(
    key: (s: ReturnType<RedisShards['all']>[number]) => string,
    min: string,
    max: string,
    count: number,
  ): Promise<{ members: string[]; more: boolean }> {
    const shards = this.shards.all();
    const asked = perShardCount(count, shards.length);
    const runs = await Promise.all(
      shards.map((s) => this.redis.zrangebylex(key(s), min, max, 'LIMIT', 0, asked)),
    );
    const { items, more } = mergeRuns(runs, asked, count);
    return { members: items, more };
  }

  /**
   * Every shard answers up to `count` entries after the cursor; the merge keeps the first `count`
   * of them, so pages come out in one global order whatever the shard count. The index: the tag's
   * (ids), else with an id prefix the all-devices index (protocol code + id, one range per
   * protocol), else with `lastContactBefore` the last-contact index (oldest first), else the
   * all-devices index (a protocol is a range of it).
   */
  async scanIds(
    filter: DeviceFilter,
    after: string | undefined,
    count: number,
  ): Promise<{ ids: string[]; cursor?: string }> {
    const prefix = filter.idPrefix ?? '';
    if (filter.tag) {
      const min = after && after >= prefix ? `(${after}` : prefix ? `[${prefix}` : '-';
      const max = prefix ? `(${prefix}${PREFIX_END}` : '+';
      const { members: ids, more } = await this.scanRange(
        (s) => s.tagIndex(filter.tag!),
        min,
        max,
        count,
      );
      return { ids, cursor: more && ids.length ? ids[ids.length - 1] : undefined };
    }
    if (filter.lastContactBefore !== undefined && !prefix) {
      const { members, more } = await this.scanRange(
        (s) => s.lastContactIndex(),
        after ? `(${after}` : '-',
        `(${lastContactKey(filter.lastContactBefore)}`,
        count,
      );
      return {
        ids: members.map((m) => m.slice(10)),
        cursor: more && members.length ? members[members.length - 1] : undefined,
      };
    }
    // One range of the all-devices index per protocol (in code order); without an id prefix a
    // range is the protocol's whole part, or the whole index when no protocol is asked.
    const codes = filter.protocol
      ? [PROTOCOL_CODE[filter.protocol]]
      : prefix
        ? Object.values(PROTOCOL_CODE).sort()
        : [''];
    const ids: string[] = [];
    for (const code of codes) {
      const low = code + prefix;
      const high = prefix
        ? `${low}${PREFIX_END}`
        : code
          ? String.fromCharCode(code.charCodeAt(0) + 1)
          : undefined;
      if (after && high !== undefined && after >= high) continue;
      const min = after && after >= low ? `(${after}` : low ? `[${low}` : '-';
      const { members, more } = await this.scanRange(
        (s) => s.allDevices(),
        min,
        high === undefined ? '+' : `(${high}`,
        count - ids.length,
      );
      ids.push(...members.map((m) => m.slice(1)));
      if (more && members.length) return { ids, cursor: members[members.length - 1] };
      if (ids.length >= count) {
        // the range ended exactly here: the next range (if any) starts after this cursor
        const last = members.length ? members[members.length - 1] : after;
        return { ids, cursor: code !== codes[codes.length - 1] ? last : undefined };
      }
      after = undefined;
    }
    return { ids };
  }

  async count(filter: Pick<DeviceFilter, 'protocol' | 'tag'> = {}): Promise<number> {
    const counts = await Promise.all(
      this.shards.all().map((s) => {
        if (filter.tag) return this.redis.zcard(s.tagIndex(filter.tag));
        if (!filter.protocol) return this.redis.zcard(s.allDevices());
        const code = PROTOCOL_CODE[filter.protocol];
        return this.redis.zlexcount(
          s.allDevices(),
          `[${code}`,
          `(${String.fromCharCode(code.charCodeAt(0) + 1)}`,
        );
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Stored as JSON path → `[value, at (base36), source, jobId?]`; a plain string is a value
   * recorded before provenance was kept.
   */
  private async readInventory(id: string): Promise<Record<string, StoredEntry>> {
    const raw = await this.redis.getBuffer(this.shards.ofDevice(id).inventory(id));
    if (!raw) return {};
    const json = raw[0] === COMPRESSED ? inflateRawSync(raw.subarray(1)) : raw;
    return JSON.parse(json.toString('utf8')) as Record<string, StoredEntry>;
  }

  async getInventory(id: string): Promise<Record<string, InventoryEntry>> {
    const out: Record<string, InventoryEntry> = {};
    for (const [path, e] of Object.entries(await this.readInventory(id))) {
      if (typeof e === 'string') out[path] = { value: e, source: 'reported' };
      else {
        out[path] = { value: e[0], at: parseInt(e[1], 36), source: e[2] };
        if (e[3]) out[path].jobId = e[3];
      }
    }
    return out;
  }

  /** Inventories of desk phones run to hundreds of items: stored deflated when that is smaller. */
  async mergeInventory(id: string, values: Inventory, how: InventoryObservation): Promise<void> {
    const merged = await this.readInventory(id);
    const at = how.at.toString(36);
    for (const [path, value] of Object.entries(values))
      merged[path] = how.jobId ? [value, at, how.source, how.jobId] : [value, at, how.source];
    const json = Buffer.from(JSON.stringify(merged), 'utf8');
    let stored = json;
    if (json.length > 200) {
      // Rewritten at every contact: an 8 KiB window and a small hash table (most of a small
      // input's cost is setting up the default 256 KiB state) give level 9's size within 2 % at
      // half its time; inflate's default window reads these and every earlier value alike.
      const z = deflateRawSync(json, { level: 6, windowBits: 13, memLevel: 6 });
      if (z.length + 1 < json.length) stored = Buffer.concat([Buffer.from([COMPRESSED]), z]);
    }
    await this.redis.set(this.shards.ofDevice(id).inventory(id), stored);
  }

  async setLastContact(id: string, at: number): Promise<void> {
    const shard = this.shards.ofDevice(id);
    await setLastContactScript.run(
      this.redis,
      [shard.device(id)],
      [shard.base, id, Math.max(0, Math.floor(at)).toString(36)],
    );
  }

  /**
   * Builds each shard's last-contact index from its devices once (data written before the index
   * existed); later writes keep it. Returns the number of devices indexed.
   */
  async ensureLastContactIndex(batch = 1000): Promise<number> {
    let indexed = 0;
    for (const s of this.shards.all()) {
      if (await this.redis.exists(s.lastContactIndexReady())) continue;
      let min = '-';
      for (;;) {
        const members = await this.redis.zrangebylex(s.allDevices(), min, '+', 'LIMIT', 0, batch);
        if (!members.length) break;
        await indexLastContactsScript.run(
          this.redis,
          [s.lastContactIndex()],
          [s.base, ...members.map((m) => m.slice(1))],
        );
        indexed += members.length;
        min = `(${members[members.length - 1]}`;
      }
      await this.redis.set(s.lastContactIndexReady(), '1');
    }
    return indexed;
  }

  async getLastContacts(ids: string[]): Promise<(number | undefined)[]> {
    if (!ids.length) return [];
    const shards = this.shards.all();
    const raws = await readPerShard(
      ids,
      (id) => this.shards.indexOf(id),
      (k, some) => this.redis.hmget(shards[k].lastContact(), ...some),
    );
    return raws.map((r) => (r ? parseInt(r, 36) : undefined));
  }
}
