import type { Redis } from 'ioredis';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CoreKeys } from '../util/redis-keys';
import { loadScript } from '../util/redis-scripts';
import { decodeDevice, encodeDevice } from './device.codec';
import { Device, Inventory, Protocol, UniqueAddressKind, uniqueAddresses } from './device.model';
import { DeviceFilter, DeviceRepository, WriteOutcome } from './device.repository';

/**
 * One script writes a device and its indexes atomically (create, replace or delete), so an
 * address can never point at a missing device nor two devices share one address.
 */
const WRITE_DEVICE = `
local b, id, old, new, op, np = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local oc, nc = ARGV[11], ARGV[12]
local function lines(s) local t = {} for x in string.gmatch(s, '[^\\n]+') do t[#t+1] = x end return t end
local oa, na, ot, nt = lines(ARGV[7]), lines(ARGV[8]), lines(ARGV[9]), lines(ARGV[10])
local dk = b..'d:'..id
local cur = redis.call('GET', dk)
if old == '' then
  if cur then return 'exists' end
elseif cur ~= old then return 'stale' end
if new ~= '' then
  for _, a in ipairs(na) do
    local k, v = string.match(a, '^([^=]+)=(.*)$')
    local owner = redis.call('HGET', b..'ix:'..np..':'..k, v)
    if owner and owner ~= id then return 'taken:'..k..'='..v end
  end
end
for _, a in ipairs(oa) do
  local k, v = string.match(a, '^([^=]+)=(.*)$')
  local ik = b..'ix:'..op..':'..k
  if redis.call('HGET', ik, v) == id then redis.call('HDEL', ik, v) end
end
for _, t in ipairs(ot) do redis.call('ZREM', b..'ix:t:'..t, id) end
if new == '' then
  redis.call('DEL', dk, b..'inv:'..id)
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
for _, t in ipairs(nt) do redis.call('ZADD', b..'ix:t:'..t, 0, id) end
return 'ok'
`;

const BATCH = 500;

/**
 * One index serves "all devices" and "devices of a protocol": members are a one-letter protocol
 * code followed by the id, so a protocol is a lexicographic range of it.
 */
const PROTOCOL_CODE: Record<Protocol, string> = { omacp: 'c', omadm: 'd', workpoint: 'w' };
const COMPRESSED = 0x7a; // 'z'

function addressLines(d: Device | undefined): string {
  return d
    ? uniqueAddresses(d)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')
    : '';
}

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

export class RedisDeviceRepository implements DeviceRepository {
  private readonly keys: CoreKeys;
  private sha?: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  private async scriptSha(): Promise<string> {
    this.sha ??= await loadScript(this.redis, WRITE_DEVICE);
    return this.sha;
  }

  private writeArgs(previous: Device | undefined, next: Device | undefined): string[] {
    const ref = (next ?? previous)!;
    return [
      this.keys.base,
      ref.id,
      previous ? encodeDevice(previous) : '',
      next ? encodeDevice(next) : '',
      (previous ?? ref).protocol,
      ref.protocol,
      addressLines(previous),
      addressLines(next),
      previous ? previous.tags.join('\n') : '',
      next ? next.tags.join('\n') : '',
      PROTOCOL_CODE[(previous ?? ref).protocol],
      PROTOCOL_CODE[ref.protocol],
    ];
  }

  private async write(previous: Device | undefined, next: Device | undefined): Promise<string> {
    const sha = await this.scriptSha();
    try {
      return (await this.redis.evalsha(
        sha,
        1,
        this.keys.base,
        ...this.writeArgs(previous, next),
      )) as string;
    } catch (err) {
      if (!String(err).includes('NOSCRIPT')) throw err;
      this.sha = undefined;
      return (await this.redis.eval(
        WRITE_DEVICE,
        1,
        this.keys.base,
        ...this.writeArgs(previous, next),
      )) as string;
    }
  }

  async get(id: string): Promise<Device | null> {
    const raw = await this.redis.get(this.keys.device(id));
    return raw ? decodeDevice(id, raw) : null;
  }

  async getMany(ids: string[]): Promise<(Device | null)[]> {
    if (!ids.length) return [];
    const raws = await this.redis.mget(ids.map(this.keys.device));
    return raws.map((raw, i) => (raw ? decodeDevice(ids[i], raw) : null));
  }

  async createMany(devices: Device[]): Promise<WriteOutcome[]> {
    const out: WriteOutcome[] = [];
    const sha = await this.scriptSha();
    for (let i = 0; i < devices.length; i += BATCH) {
      const pipe = this.redis.pipeline();
      for (const d of devices.slice(i, i + BATCH))
        pipe.evalsha(sha, 1, this.keys.base, ...this.writeArgs(undefined, d));
      const replies = (await pipe.exec()) ?? [];
      for (const [err, reply] of replies) {
        if (err) throw err;
        out.push(toOutcome(reply as string) as WriteOutcome);
      }
    }
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
    return this.redis.hget(this.keys.addressIndex(protocol, kind), value);
  }

  async scanIds(
    filter: DeviceFilter,
    after: string | undefined,
    count: number,
  ): Promise<{ ids: string[]; cursor?: string }> {
    if (filter.tag) {
      const ids = await this.redis.zrangebylex(
        this.keys.tagIndex(filter.tag),
        after ? `(${after}` : '-',
        '+',
        'LIMIT',
        0,
        count,
      );
      return { ids, cursor: ids.length === count ? ids[ids.length - 1] : undefined };
    }
    let min = after ? `(${after}` : '-';
    let max = '+';
    if (filter.protocol) {
      const code = PROTOCOL_CODE[filter.protocol];
      if (!after) min = `[${code}`;
      max = `(${String.fromCharCode(code.charCodeAt(0) + 1)}`;
    }
    const members = await this.redis.zrangebylex(
      this.keys.allDevices(),
      min,
      max,
      'LIMIT',
      0,
      count,
    );
    return {
      ids: members.map((m) => m.slice(1)),
      cursor: members.length === count ? members[members.length - 1] : undefined,
    };
  }

  async count(filter: Pick<DeviceFilter, 'protocol' | 'tag'> = {}): Promise<number> {
    if (filter.tag) return this.redis.zcard(this.keys.tagIndex(filter.tag));
    if (!filter.protocol) return this.redis.zcard(this.keys.allDevices());
    const code = PROTOCOL_CODE[filter.protocol];
    return this.redis.zlexcount(
      this.keys.allDevices(),
      `[${code}`,
      `(${String.fromCharCode(code.charCodeAt(0) + 1)}`,
    );
  }

  async getInventory(id: string): Promise<Inventory> {
    const raw = await this.redis.getBuffer(this.keys.inventory(id));
    if (!raw) return {};
    const json = raw[0] === COMPRESSED ? inflateRawSync(raw.subarray(1)) : raw;
    return JSON.parse(json.toString('utf8')) as Inventory;
  }

  /** Inventories of desk phones run to hundreds of items: stored deflated when that is smaller. */
  async mergeInventory(id: string, values: Inventory): Promise<void> {
    const merged = { ...(await this.getInventory(id)), ...values };
    const json = Buffer.from(JSON.stringify(merged), 'utf8');
    let stored = json;
    if (json.length > 200) {
      const z = deflateRawSync(json, { level: 9 });
      if (z.length + 1 < json.length) stored = Buffer.concat([Buffer.from([COMPRESSED]), z]);
    }
    await this.redis.set(this.keys.inventory(id), stored);
  }

  async setLastContact(id: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.lastContact(), id, at.toString(36));
  }

  async getLastContacts(ids: string[]): Promise<(number | undefined)[]> {
    if (!ids.length) return [];
    const raws = await this.redis.hmget(this.keys.lastContact(), ...ids);
    return raws.map((r) => (r ? parseInt(r, 36) : undefined));
  }
}
