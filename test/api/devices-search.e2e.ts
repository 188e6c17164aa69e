import type { Redis } from 'ioredis';
import { REDIS } from '../../apps/gateway/src/redis/redis.tokens';
import { ApiFixture, dropPrefix, startApi } from './api-fixture';

/**
 * Fleet search: exact look-ups by id and unique address, id prefix and last contact, with the
 * strict query rules; once on one shard and once on four (pages merged over the shards).
 */
describe.each([['1'], ['4']])('GET /v1/devices search and filters (%s shard(s))', (shards) => {
  let f: ApiFixture;
  const HOUR = 3_600_000;
  const now = Date.now();
  const ids = (r: { body: any }) => (r.body.items as any[]).map((d) => d.id);

  beforeAll(async () => {
    f = await startApi({ REDIS_SHARDS: shards, DEFAULT_COUNTRY_CODE: '49' });
    const rows: any[] = [];
    for (let i = 0; i < 30; i++) {
      const n = String(i).padStart(2, '0');
      rows.push({
        id: `hs-${n}`,
        protocol: 'omadm',
        addressing: { msisdn: `+4917055501${n}`, devId: `IMEI:4901542032375${n}` },
        tags: i % 2 ? ['odd'] : ['even'],
      });
      rows.push({
        id: `ph-${n}`,
        protocol: 'workpoint',
        addressing: { ip: `10.0.0.${i + 1}`, mac: `00:1A:E8:00:00:${n}` },
        tags: i % 2 ? ['odd'] : ['even'],
      });
    }
    rows.push({ id: 'cp-1', protocol: 'omacp', addressing: { msisdn: '+491705550100' } });
    const imported = await f.call('POST', '/v1/devices/import', rows);
    expect(imported.body).toMatchObject({ created: 61, failed: 0 });
    // hs-00..hs-09 in contact 10..1 hours ago (hs-00 the oldest), hs-10..hs-29 a minute ago
    for (let i = 0; i < 30; i++) {
      const n = String(i).padStart(2, '0');
      await f.core.devices.recordContact(`hs-${n}`, i < 10 ? now - (10 - i) * HOUR : now - 60_000);
    }
    await f.core.devices.recordContact('ph-05', now - 50 * HOUR);
  });
  afterAll(async () => {
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('finds a device exactly by MSISDN, MAC, DevId and id, written in any accepted form', async () => {
    // '+' in a query string is a space; national form with the default country code; 0049…
    for (const q of ['%2B491705550107', '+491705550107', '01705550107', '0049%20170%20555%200107'])
      expect(ids(await f.call('GET', `/v1/devices?msisdn=${q}`))).toEqual(['hs-07']);
    // an MSISDN is unique per protocol: the OMA DM handset and the CP device both answer
    expect(ids(await f.call('GET', '/v1/devices?msisdn=%2B491705550100'))).toEqual([
      'cp-1',
      'hs-00',
    ]);
    expect(ids(await f.call('GET', '/v1/devices?msisdn=%2B491705550100&protocol=omacp'))).toEqual([
      'cp-1',
    ]);
    for (const q of ['00:1a:e8:00:00:12', '001AE8000012', '00-1A-E8-00-00-12', '001a.e800.0012'])
      expect(ids(await f.call('GET', `/v1/devices?mac=${q}`))).toEqual(['ph-12']);
    expect(ids(await f.call('GET', '/v1/devices?devId=IMEI:490154203237523'))).toEqual(['hs-23']);
    expect(ids(await f.call('GET', '/v1/devices?id=ph-03'))).toEqual(['ph-03']);
    // no match, and keys that name two different devices
    expect(ids(await f.call('GET', '/v1/devices?id=nope'))).toEqual([]);
    expect(ids(await f.call('GET', '/v1/devices?mac=00:1a:e8:00:00:99'))).toEqual([]);
    expect(ids(await f.call('GET', '/v1/devices?id=hs-01&msisdn=%2B491705550102'))).toEqual([]);
    expect(ids(await f.call('GET', '/v1/devices?id=hs-02&msisdn=%2B491705550102'))).toEqual([
      'hs-02',
    ]);
    // other filters still apply to an exact hit
    expect(ids(await f.call('GET', '/v1/devices?msisdn=%2B491705550107&tag=even'))).toEqual([]);
    expect(ids(await f.call('GET', '/v1/devices?msisdn=%2B491705550107&protocol=omacp'))).toEqual(
      [],
    );
    const hit = await f.call('GET', '/v1/devices?mac=001AE8000012');
    expect(hit.body.nextCursor).toBeUndefined();
    expect(hit.body.items[0].addressing.mac).toBe('00:1a:e8:00:00:12');
  });

  it('lists by id prefix, paging across protocols and with a tag', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const r = await f.call(
        'GET',
        `/v1/devices?idPrefix=hs-1&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(r.status).toBe(200);
      all.push(...ids(r));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `hs-1${i}`));
    // a prefix matching ids of two protocols: every protocol's range in turn, no repeats
    const two: string[] = [];
    cursor = undefined;
    for (let pages = 0; pages < 40; pages++) {
      const r = await f.call(
        'GET',
        `/v1/devices?idPrefix=h&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      two.push(...ids(r));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(two.length).toBe(30);
    expect(new Set(two).size).toBe(30);
    const mixed = await f.call('GET', '/v1/devices?idPrefix=p&tag=odd&limit=100');
    expect(ids(mixed)).toEqual(
      Array.from({ length: 15 }, (_, i) => `ph-${String(2 * i + 1).padStart(2, '0')}`),
    );
    const both = [
      ...ids(await f.call('GET', '/v1/devices?idPrefix=c&limit=100')),
      ...ids(await f.call('GET', '/v1/devices?idPrefix=ph-2&protocol=workpoint&limit=100')),
    ];
    expect(both).toEqual(['cp-1', ...Array.from({ length: 10 }, (_, i) => `ph-2${i}`)]);
  });

  it('lists devices whose last contact is older than a time, or never, oldest first, paged', async () => {
    const before = new Date(now - 5.5 * HOUR).toISOString();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 30; pages++) {
      const r = await f.call(
        'GET',
        `/v1/devices?lastContactBefore=${before}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(r.status).toBe(200);
      seen.push(...ids(r));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    // never in contact: cp-1 and 29 phones (ph-05 was, 50 h ago); then ph-05, hs-00..hs-04
    const never = [
      'cp-1',
      ...Array.from({ length: 30 }, (_, i) => `ph-${String(i).padStart(2, '0')}`),
    ]
      .filter((id) => id !== 'ph-05')
      .sort();
    expect(seen.slice(0, never.length).sort()).toEqual(never);
    expect(seen.slice(never.length)).toEqual([
      'ph-05',
      'hs-00',
      'hs-01',
      'hs-02',
      'hs-03',
      'hs-04',
    ]);
    // combined with a protocol, a tag and an id prefix
    expect(
      ids(await f.call('GET', `/v1/devices?lastContactBefore=${before}&protocol=omadm`)),
    ).toEqual(['hs-00', 'hs-01', 'hs-02', 'hs-03', 'hs-04']);
    expect(
      ids(await f.call('GET', `/v1/devices?lastContactBefore=${before}&tag=odd&protocol=omadm`)),
    ).toEqual(['hs-01', 'hs-03']);
    expect(
      ids(await f.call('GET', `/v1/devices?lastContactBefore=${before}&idPrefix=hs-0`)),
    ).toEqual(['hs-00', 'hs-01', 'hs-02', 'hs-03', 'hs-04']);
    // a date alone is midnight UTC; a contact moves the device in the index
    expect(
      ids(await f.call('GET', '/v1/devices?lastContactBefore=2001-01-01&protocol=omadm')),
    ).toEqual([]);
    await f.core.devices.recordContact('hs-00', now);
    expect(
      ids(await f.call('GET', `/v1/devices?lastContactBefore=${before}&protocol=omadm`)),
    ).toEqual(['hs-01', 'hs-02', 'hs-03', 'hs-04']);
    expect(
      ids(await f.call('GET', `/v1/devices?mac=00:1a:e8:00:00:05&lastContactBefore=${before}`)),
    ).toEqual(['ph-05']);
  });

  it('builds the last-contact index once for devices stored before it existed', async () => {
    const before = new Date(now - 5.5 * HOUR).toISOString();
    const query = `/v1/devices?lastContactBefore=${before}&protocol=omadm`;
    const expected = ids(await f.call('GET', query));
    expect(expected.length).toBeGreaterThan(0);
    const redis = f.gw.app.get<Redis>(REDIS);
    for (const s of f.core.shards.all())
      await redis.del(s.lastContactIndex(), s.lastContactIndexReady());
    expect(ids(await f.call('GET', query))).toEqual([]);
    expect(await f.core.devices.ensureIndexes()).toBe(61);
    expect(await f.core.devices.ensureIndexes()).toBe(0);
    expect(ids(await f.call('GET', query))).toEqual(expected);
  });

  it('refuses bad values with 400 problem details naming the parameter', async () => {
    const bad: [string, string][] = [
      ['msisdn=12', 'invalid-msisdn'],
      ['mac=00:1a:e8', 'invalid-mac'],
      ['devId=a%20b', 'invalid-addressing'],
      ['id=bad%20id', 'invalid-id'],
      ['idPrefix=a%2Fb', 'invalid-query'],
      ['lastContactBefore=yesterday', 'invalid-query'],
      ['lastContactBefore=2024-13-45', 'invalid-query'],
      ['lastContactBefore=1700000000', 'invalid-query'],
      ['msisdn=%2B491705550107&cursor=aHMtMDE', 'invalid-query'],
      ['msisdn=1&msisdn=2', 'invalid-query'],
      ['imsi=262011234567890', 'unknown-query-parameter'],
    ];
    for (const [q, code] of bad) {
      const r = await f.call('GET', `/v1/devices?${q}`);
      expect({ q, status: r.status, code: r.body.code }).toEqual({ q, status: 400, code });
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});
