import { RedisShards, type Core } from '@dm-bridge/core';
import type { DmOperation } from '@dm-bridge/omadm';
import { DmHandset } from '../../apps/simulator/src/dm-handset/dm-handset';
import { DmHttpEndpoint } from '../../apps/gateway/src/dm/dm-http.endpoint';
import { DmSessionStore } from '../../apps/gateway/src/dm/dm-session.store';
import { CORE } from '../../apps/gateway/src/orchestration/orchestration.tokens';
import { redisKeySlot as keySlot } from '@dm-bridge/core';
import { startDmGateway, type DmGateway } from './support/gateway';
import { abandonAfterPackage1, provisionedHandset } from './support/provisioned-handset';

/**
 * DM session keys over 4 shards (REDIS_SHARDS=4, also on the cluster run): a handset's session,
 * account and notification keys sit in the hash slot of its core device key, the sweeper's index
 * is one per shard, and the idle sweep walks all of them.
 */
let g: DmGateway;
let core: Core;

beforeAll(async () => {
  g = await startDmGateway({ REDIS_SHARDS: '4' });
  core = g.gw.app.get<Core>(CORE);
});
afterAll(async () => {
  await g?.close();
});

const get = (id: string): DmOperation => ({
  id,
  command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] },
});

function handset(devId: string): Promise<DmHandset> {
  return provisionedHandset(g, devId);
}

/** One device id in each of the 4 shards (the ids are fixed, so is the choice). */
function oneDevicePerShard(): string[] {
  const byShard = new Map<number, string>();
  for (let i = 0; byShard.size < 4; i++) {
    const id = `IMEI:86${String(i).padStart(13, '0')}`;
    const k = core.shards.indexOf(id);
    if (!byShard.has(k)) byShard.set(k, id);
  }
  return [...byShard.entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => id);
}

describe('DM session keys over 4 shards', () => {
  it('keeps session, account and notification in the slot of the core device key', async () => {
    expect(core.shards.count).toBe(4);
    const dev = 'IMEI:350000000000042';
    const shard = core.shards.ofDevice(dev);
    const h = await handset(dev);
    await g.source.enqueue(dev, get('man'));
    await abandonAfterPackage1(h);
    await g.store.recordNotification(dev, 'c0ffee', 60_000);

    const keys = {
      session: `${shard.prefix}dm:sess:${dev}`,
      account: `${shard.prefix}dm:acct:${dev}`,
      notification: `${shard.prefix}dm:notif:${dev}`,
    };
    expect(g.store.sessionKey(dev)).toBe(keys.session);
    expect(g.store.accountKey(dev)).toBe(keys.account);
    expect(g.store.notificationKey(dev)).toBe(keys.notification);
    // a shard prefix of its own, not the deployment prefix
    expect(shard.prefix).not.toBe(g.redis.prefix);
    expect(shard.prefix.startsWith(g.redis.prefix) || shard.prefix.startsWith('{')).toBe(true);

    const redis = g.redis.redis;
    const session = await redis.hgetall(keys.session);
    expect(JSON.parse(session.s)).toMatchObject({ phase: 'active', deviceId: dev });
    expect(session.v).toBe('1');
    expect(await redis.hget(keys.account, 'clientName')).toBe('dev');
    expect(await redis.get(keys.notification)).toBe('c0ffee');
    expect(await redis.zscore(`${shard.prefix}dm:active`, dev)).not.toBeNull();
    // nothing left under the deployment prefix's old (unsharded) names
    expect(await redis.exists(`${g.redis.prefix}dm:sess:${dev}`)).toBe(0);
    expect(await redis.exists(`${g.redis.prefix}dm:acct:${dev}`)).toBe(0);

    const slot = keySlot(shard.device(dev));
    expect(keySlot(keys.session)).toBe(slot);
    expect(keySlot(keys.account)).toBe(slot);
    expect(keySlot(keys.notification)).toBe(slot);
    expect(keySlot(`${shard.prefix}dm:active`)).toBe(slot);
    // the other shards are elsewhere (so a cluster can spread them)
    const otherSlots = core.shards
      .all()
      .filter((s) => s !== shard)
      .map((s) => keySlot(s.device(dev)));
    expect(otherSlots).not.toContain(slot);

    // the device is done with: close its session so the sweep test below starts from nothing
    expect(await g.gw.app.get(DmHttpEndpoint).sweepIdleSessions(Date.now() + 130_000)).toBe(1);
  });

  it('sweeps idle sessions in every shard', async () => {
    const devices = oneDevicePerShard();
    expect(devices.map((d) => core.shards.indexOf(d))).toEqual([0, 1, 2, 3]);
    for (const dev of devices) {
      await g.source.enqueue(dev, get(`op-${dev}`));
      await abandonAfterPackage1(await handset(dev));
    }
    const redis = g.redis.redis;
    for (let k = 0; k < 4; k++)
      expect(await redis.zrange(g.store.activeKey(k), 0, '-1')).toEqual([devices[k]]);

    const endpoint = g.gw.app.get(DmHttpEndpoint);
    expect(await endpoint.sweepIdleSessions(Date.now())).toBe(0); // not idle yet
    expect(await endpoint.sweepIdleSessions(Date.now() + 130_000)).toBe(4);
    for (let k = 0; k < 4; k++) expect(await redis.zcard(g.store.activeKey(k))).toBe(0);
    for (const dev of devices) {
      expect((await g.store.load(dev)).session.state).toMatchObject({
        phase: 'ended',
        endReason: 'timeout',
      });
      expect((await g.source.pending(dev)).map((o) => o.id)).toEqual([`op-${dev}`]);
      expect((await g.source.events(dev)).at(-1)).toMatchObject({
        type: 'session-ended',
        reason: 'timeout',
        unfinished: [{ id: `op-${dev}` }],
      });
    }
    expect(await endpoint.sweepIdleSessions(Date.now() + 130_000)).toBe(0);
  });
});

describe('DM session keys with one shard', () => {
  it('keep the historical layout under the deployment prefix', () => {
    const store = new DmSessionStore(g.redis.redis, new RedisShards('dmb:', 1));
    expect(store.sessionKey('IMEI:1')).toBe('dmb:dm:sess:IMEI:1');
    expect(store.accountKey('IMEI:1')).toBe('dmb:dm:acct:IMEI:1');
    expect(store.notificationKey('IMEI:1')).toBe('dmb:dm:notif:IMEI:1');
    expect(store.activeKey()).toBe('dmb:dm:active');
    expect(store.activeKeyOf('IMEI:1')).toBe('dmb:dm:active');
  });
});
