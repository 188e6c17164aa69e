import { RedisShards, type Core } from '@dm-bridge/core';
import { buildWorkpointMessage, parseDlsMessage } from '@dm-bridge/workpoint';
import { request } from 'node:https';
import { CORE } from '../../apps/gateway/src/orchestration/orchestration.tokens';
import { PhoneStateStore } from '../../apps/gateway/src/workpoint/phone-state.store';
import { redisKeySlot as keySlot } from '@dm-bridge/core';
import { startWorkpointGateway, type WorkpointGateway } from './support/workpoint-gateway';

/**
 * Phone keys over 4 shards (REDIS_SHARDS=4, also on the cluster run): state and lock in the MAC's
 * shard, the address index in the address's shard, so no script spans two slots, and a cookieless
 * reply-to still finds its phone whether or not both shards coincide.
 */
let g: WorkpointGateway;
let core: Core;
const IP = '127.0.0.1';

beforeAll(async () => {
  g = await startWorkpointGateway({ REDIS_SHARDS: '4' });
  core = g.gw.app.get<Core>(CORE);
});
afterAll(async () => {
  await g?.close();
});

function post(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: IP,
        port: g.port,
        path: '/DeploymentService/LoginService',
        method: 'POST',
        rejectUnauthorized: false,
        agent: false,
        headers: { 'content-type': 'text/xml' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** A MAC in the address's shard when `same`, else one in another shard. */
function macFor(same: boolean, n: number): string {
  const ipShard = core.shards.indexOf(IP);
  for (let i = n * 256; ; i++) {
    const mac =
      `00:1A:E8:77:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    if ((core.shards.indexOf(mac) === ipShard) === same) return mac;
  }
}

describe('Workpoint phone keys over 4 shards', () => {
  it.each<[string, boolean, number]>([
    ['in the same shard as', true, 1],
    ['in another shard than', false, 2],
  ])(
    'phone %s its address: keys placed by shard, cookieless reply-to matched',
    async (_, same, n) => {
      expect(core.shards.count).toBe(4);
      const mac = macFor(same, n);
      const nonce = `S${n}`;
      const start = buildWorkpointMessage({
        nonce,
        maxItems: -1,
        fragment: 'final',
        reason: 'start-up',
        items: [{ name: 'mac-addr', value: mac }],
      });
      expect(parseDlsMessage(await post(start)).action).toBe('ReadAllItems');

      const phoneShard = core.shards.ofValue(mac);
      const ipShard = core.shards.ofValue(IP);
      expect(phoneShard === ipShard).toBe(same);
      const stateKey = `${phoneShard.prefix}wp:phone:${mac}`;
      const ipKey = `${ipShard.prefix}wp:ip:${IP}`;
      expect(g.store.stateKey(mac)).toBe(stateKey);
      expect(g.store.ipKey(IP)).toBe(ipKey);
      const redis = g.redis.redis;
      expect(JSON.parse((await redis.get(stateKey))!)).toMatchObject({ mac });
      expect(await redis.exists(`${phoneShard.prefix}wp:lock:${mac}`)).toBe(0); // released
      expect(await redis.get(ipKey)).toBe(mac);
      expect(await redis.pttl(ipKey)).toBeGreaterThan(0);
      expect(keySlot(stateKey)).toBe(keySlot(g.store.lockKey(mac)));
      expect(keySlot(stateKey)).toBe(keySlot(phoneShard.device(mac)));
      expect(keySlot(stateKey) === keySlot(ipKey)).toBe(same);
      // nothing under the deployment prefix's unsharded names
      expect(await redis.exists(`${g.redis.prefix}wp:phone:${mac}`)).toBe(0);
      expect(await redis.exists(`${g.redis.prefix}wp:ip:${IP}`)).toBe(0);

      // no cookie, no MAC: the address index names the phone
      const reply = buildWorkpointMessage({
        nonce,
        maxItems: -1,
        fragment: 'final',
        reason: 'reply-to',
        action: 'ReadAllItems',
        status: 'accepted',
        items: [{ name: 'e164', value: `${n}00` }],
      });
      expect(parseDlsMessage(await post(reply)).action).toBe('CleanUp');
      expect((await g.store.get(mac))!.inventory.e164).toBe(`${n}00`);
    },
  );

  it('keeps the historical layout with one shard', () => {
    const store = new PhoneStateStore(g.redis.redis, new RedisShards('dmb:', 1));
    expect(store.stateKey('00:1A:E8:00:00:01')).toBe('dmb:wp:phone:00:1A:E8:00:00:01');
    expect(store.lockKey('00:1A:E8:00:00:01')).toBe('dmb:wp:lock:00:1A:E8:00:00:01');
    expect(store.ipKey('10.0.0.1')).toBe('dmb:wp:ip:10.0.0.1');
  });
});
