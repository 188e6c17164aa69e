import { ConflictError, MASKED, NotFoundError, ValidationError } from '@dm-bridge/core';
import { coreFixture } from './core-fixture';

describe('devices in Redis', () => {
  let f: Awaited<ReturnType<typeof coreFixture>>;
  beforeEach(async () => (f = await coreFixture()));
  afterEach(() => f.t.cleanup());

  it('normalises addressing, seals secrets at rest and masks them in views', async () => {
    const d = await f.core.devices.create({
      id: 'hs-1',
      protocol: 'omadm',
      addressing: { msisdn: '0049 170 1234567', devId: 'IMEI:490154203237518' },
      credentials: {
        clientUsername: 'hs1',
        clientPassword: 'pa55word-client',
        serverPassword: 'pa55word-server',
      },
      tags: ['berlin', 'pilot', 'berlin'],
    });
    expect(d.addressing.msisdn).toBe('+491701234567');
    expect(d.tags).toEqual(['berlin', 'pilot']);
    const raw = (await f.t.redis.get(f.core.shards.ofDevice('hs-1').device('hs-1')))!;
    expect(raw).not.toContain('pa55word');
    const view = await f.core.devices.getView('hs-1');
    expect(view.credentials).toEqual({
      clientUsername: 'hs1',
      clientPassword: MASKED,
      serverPassword: MASKED,
    });
    expect(f.core.devices.revealCredentials(await f.core.devices.get('hs-1')).clientPassword).toBe(
      'pa55word-client',
    );
    expect((await f.core.devices.findByAddress('omadm', 'msisdn', '+491701234567'))?.id).toBe(
      'hs-1',
    );
  });

  it('keeps addresses unique per protocol and releases them on delete', async () => {
    await f.core.devices.create({
      id: 'p1',
      protocol: 'workpoint',
      addressing: { ip: '10.0.0.5', mac: '00:1A:E8:00:00:01' },
    });
    await expect(
      f.core.devices.create({
        id: 'p2',
        protocol: 'workpoint',
        addressing: { ip: '10.0.0.6', mac: '001ae8000001' },
      }),
    ).rejects.toMatchObject({ code: 'address-taken' });
    await expect(
      f.core.devices.create({ id: 'p1', protocol: 'workpoint', addressing: { ip: '10.0.0.7' } }),
    ).rejects.toBeInstanceOf(ConflictError);
    // The same MSISDN may be a CP target and a DM handset at once.
    await f.core.devices.create({
      id: 'c1',
      protocol: 'omacp',
      addressing: { msisdn: '+491701111111' },
    });
    await f.core.devices.create({
      id: 'm1',
      protocol: 'omadm',
      addressing: { msisdn: '+491701111111' },
    });
    await f.core.devices.delete('p1');
    await expect(f.core.devices.get('p1')).rejects.toBeInstanceOf(NotFoundError);
    await f.core.devices.create({
      id: 'p2',
      protocol: 'workpoint',
      addressing: { ip: '10.0.0.6', mac: '001ae8000001' },
    });
  });

  it('updates addressing and tags, moving the indexes', async () => {
    await f.core.devices.create({
      id: 'p1',
      protocol: 'workpoint',
      addressing: { ip: '10.0.0.5', mac: '00:1a:e8:00:00:01' },
      tags: ['a'],
    });
    await f.core.devices.update('p1', { addressing: { mac: '00:1a:e8:00:00:02' } });
    await f.core.devices.changeTags('p1', ['b'], ['a']);
    expect(await f.core.devices.findByAddress('workpoint', 'mac', '00:1a:e8:00:00:01')).toBeNull();
    expect(
      (await f.core.devices.findByAddress('workpoint', 'mac', '00:1a:e8:00:00:02'))?.addressing.ip,
    ).toBe('10.0.0.5');
    expect((await f.core.devices.list({ tag: 'a' }, undefined, 10)).items).toEqual([]);
    expect((await f.core.devices.list({ tag: 'b' }, undefined, 10)).items.map((d) => d.id)).toEqual(
      ['p1'],
    );
    await expect(f.core.devices.update('p1', { protocol: 'omadm' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('lists with filters and a cursor, every device exactly once', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({
      row: i,
      input: {
        id: `dev-${String(i).padStart(4, '0')}`,
        protocol: (i % 2 ? 'omadm' : 'omacp') as 'omadm' | 'omacp',
        addressing: { msisdn: `+4917000${String(i).padStart(5, '0')}` },
        tags: i % 5 === 0 ? ['fifth'] : [],
        model: i % 3 === 0 ? 'X1' : 'X2',
      },
    }));
    rows.push({
      row: 250,
      input: { id: 'bad', protocol: 'omadm' as const, addressing: { msisdn: 'nope' } } as any,
    });
    const results = await f.core.devices.importBatch(rows);
    expect(results.filter((r) => r.ok)).toHaveLength(250);
    expect(results[250]).toMatchObject({ row: 250, ok: false, code: 'invalid-msisdn' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.core.devices.list({ protocol: 'omadm', model: 'X1' }, cursor, 7);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = rows
      .slice(0, 250)
      .filter((_, i) => i % 2 === 1 && i % 3 === 0)
      .map((r) => r.input.id);
    expect(seen).toEqual(expected);
    expect(await f.core.devices.count({ tag: 'fifth' })).toBe(50);
  });

  it('stores inventory and last contact', async () => {
    await f.core.devices.create({
      id: 'p1',
      protocol: 'workpoint',
      addressing: { ip: '10.0.0.5' },
    });
    const inv = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`item-${i}`, `value-${i}`]),
    );
    await f.core.devices.recordContact('p1', 1700000000000, inv);
    await f.core.devices.recordContact('p1', 1700000001000, { 'item-1': 'changed' });
    expect((await f.core.devices.inventory('p1'))['item-1']).toBe('changed');
    expect(Object.keys(await f.core.devices.inventory('p1'))).toHaveLength(300);
    expect((await f.core.devices.getView('p1')).lastContact).toBe('2023-11-14T22:13:21.000Z');
  });
});
