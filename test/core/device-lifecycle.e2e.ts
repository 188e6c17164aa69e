import type { Device, DeviceInput, DeviceLifecycleListener } from '@dm-bridge/core';
import { coreFixture } from './core-fixture';

/** Core tells an injected listener of every stored device write, and only of those. */
describe('device lifecycle listener', () => {
  type Call =
    ['created', string[]] | ['updated', string, string, DeviceInput] | ['deleted', string];
  let calls: Call[];
  let opened: string[];
  let f: Awaited<ReturnType<typeof coreFixture>>;
  beforeEach(async () => {
    calls = [];
    opened = [];
    f = await coreFixture({
      deviceLifecycle: ({ box }) => {
        const listener: DeviceLifecycleListener = {
          created: async (ds: Device[]) => {
            calls.push(['created', ds.map((d) => d.id)]);
            for (const d of ds)
              if (d.credentials.clientPassword) opened.push(box.open(d.credentials.clientPassword));
          },
          updated: async (prev, next, patch) =>
            void calls.push([
              'updated',
              prev.addressing.devId ?? '',
              next.addressing.devId ?? '',
              patch,
            ]),
          deleted: async (d) => void calls.push(['deleted', d.id]),
        };
        return listener;
      },
    });
  });
  afterEach(() => f.t.cleanup());

  it('is told of create, import, update and delete after the write, with sealed records it can open', async () => {
    await f.core.devices.create({
      id: 'a',
      protocol: 'omadm',
      addressing: { devId: 'IMEI:1', clientAuth: 'basic', serverAuth: 'none' },
      credentials: { clientPassword: 'pw-a' },
    });
    const rows = await f.core.devices.importBatch([
      { row: 1, input: { id: 'b', protocol: 'omadm', addressing: { devId: 'IMEI:2' } } },
      { row: 2, input: { id: 'c', protocol: 'omadm', addressing: { devId: 'IMEI:1' } } },
      { row: 3, input: { id: 'd', protocol: 'omadm', addressing: {} } },
    ]);
    expect(rows.map((r) => [r.row, r.ok, r.code])).toEqual([
      [1, true, undefined],
      [2, false, 'address-taken'],
      [3, false, 'missing-addressing'],
    ]);
    await f.core.devices.importBatch(
      [{ row: 1, input: { id: 'e', protocol: 'omadm', addressing: { devId: 'IMEI:5' } } }],
      { dryRun: true },
    );
    await f.core.devices.update('a', { addressing: { devId: 'IMEI:3' } });
    await expect(
      f.core.devices.update('b', { addressing: { devId: 'IMEI:3' } }),
    ).rejects.toMatchObject({ code: 'address-taken' });
    await f.core.devices.delete('b');
    expect(calls).toEqual([
      ['created', ['a']],
      ['created', ['b']],
      ['updated', 'IMEI:1', 'IMEI:3', { addressing: { devId: 'IMEI:3' } }],
      ['deleted', 'b'],
    ]);
    expect(opened).toEqual(['pw-a']);
    expect((await f.core.devices.get('a')).addressing).toEqual({
      devId: 'IMEI:3',
      clientAuth: 'basic',
      serverAuth: 'none',
    });
  });

  it('validates the per-direction auth fields', async () => {
    for (const [field, value, message] of [
      ['clientAuth', 'none', 'addressing.clientAuth must be basic, md5 or hmac'],
      ['serverAuth', 'sha1', 'addressing.serverAuth must be none, basic, md5 or hmac'],
      ['authScheme', 'none', 'addressing.authScheme must be basic, md5 or hmac'],
    ] as const) {
      await expect(
        f.core.devices.create({
          protocol: 'omadm',
          addressing: { devId: 'IMEI:9', [field]: value } as never,
        }),
      ).rejects.toMatchObject({ code: 'invalid-addressing', message });
    }
    expect(calls).toEqual([]);
  });
});
