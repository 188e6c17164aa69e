import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';
import { LoopbackFleet } from './loopback-device';

async function importFleet(f: ApiFixture, n: number, tag: string, base: number) {
  const rows = Array.from({ length: n }, (_, i) =>
    i % 2
      ? {
          id: `${tag}-dm-${i}`,
          protocol: 'omadm',
          addressing: { msisdn: `+49175${String(base + i).padStart(7, '0')}` },
          tags: [tag],
        }
      : {
          id: `${tag}-wp-${i}`,
          protocol: 'workpoint',
          addressing: { ip: `10.9.${base >> 8}.${i & 255}` },
          tags: [tag],
        },
  );
  expect((await f.call('POST', '/v1/devices/import', rows)).body.created).toBe(n);
}

describe('REST API: campaigns over a mixed fleet', () => {
  let f: ApiFixture;
  let dm: LoopbackFleet;
  let wp: LoopbackFleet;

  beforeAll(async () => {
    f = await startApi();
    dm = new LoopbackFleet(f.core, 'omadm');
    wp = new LoopbackFleet(f.core, 'workpoint');
    f.core.drivers.register(dm);
    f.core.drivers.register(wp);
  });
  afterAll(async () => {
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('fans out, pauses, resumes and completes with progress counts', async () => {
    await importFleet(f, 40, 'mixed', 0);
    const created = await f.call('POST', '/v1/campaigns', {
      name: 'registrar move',
      selection: { tag: 'mixed' },
      operations: [{ op: 'set', path: 'sip.registrar', value: 'sip.example.net' }],
      ratePerSecond: 10,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await until(
      () => f.call('GET', `/v1/campaigns/${id}`),
      (r) => r.body.progress.done >= 5,
    );
    expect((await f.call('POST', `/v1/campaigns/${id}/pause`)).body.state).toBe('paused');
    await new Promise((r) => setTimeout(r, 400));
    const frozen = (await f.call('GET', `/v1/campaigns/${id}`)).body.progress.done;
    await new Promise((r) => setTimeout(r, 500));
    expect((await f.call('GET', `/v1/campaigns/${id}`)).body.progress.done).toBe(frozen);
    expect(frozen).toBeLessThan(40);
    expect((await f.call('POST', `/v1/campaigns/${id}/resume`)).body.state).toBe('running');
    const done = await until(
      () => f.call('GET', `/v1/campaigns/${id}`),
      (r) => r.body.state === 'completed',
      15000,
    );
    expect(done.body.progress).toMatchObject({
      jobs: 40,
      skipped: 0,
      done: 40,
      fanOutComplete: true,
      byState: { succeeded: 40 },
    });
    const jobs = await f.call('GET', `/v1/jobs?campaignId=${id}&limit=100`);
    const targets = new Set(
      jobs.body.items.map((j: any) => `${j.protocol}:${j.operations[0].target.path}`),
    );
    expect(targets).toEqual(new Set(['omadm:./Vendor/SIP/Registrar', 'workpoint:registrar-addr']));
  });

  it('stops by itself when the failure ratio passes the threshold', async () => {
    await importFleet(f, 30, 'flaky', 1000);
    for (let i = 0; i < 30; i++) (i % 2 ? dm : wp).failing.add(`flaky-${i % 2 ? 'dm' : 'wp'}-${i}`);
    const created = await f.call('POST', '/v1/campaigns', {
      selection: { tag: 'flaky' },
      operations: [{ op: 'reboot' }],
      ratePerSecond: 20,
      failureThreshold: { ratio: 0.5, minSample: 5 },
    });
    const stopped = await until(
      () => f.call('GET', `/v1/campaigns/${created.body.id}`),
      (r) => r.body.state === 'stopped',
      10000,
    );
    expect(stopped.body.stopReason).toMatch(/failure ratio 1.00 exceeded 0.5/);
    await new Promise((r) => setTimeout(r, 300));
    const after = (await f.call('GET', `/v1/campaigns/${created.body.id}`)).body.progress;
    expect(after.byState.failed).toBeLessThan(30);
    expect((after.byState.cancelled ?? 0) + after.byState.failed).toBe(after.jobs);
  });

  it('skips devices whose protocol cannot run the operations, and refuses bad campaigns', async () => {
    await f.call('POST', '/v1/devices', {
      id: 'cp-only',
      protocol: 'omacp',
      addressing: { msisdn: '+491799999999' },
      tags: ['cp'],
    });
    const c = await f.call('POST', '/v1/campaigns', {
      selection: { deviceIds: ['cp-only', 'missing'] },
      operations: [{ op: 'get', path: 'network.apn' }],
    });
    const done = await until(
      () => f.call('GET', `/v1/campaigns/${c.body.id}`),
      (r) => r.body.progress.fanOutComplete,
    );
    expect(done.body.progress).toMatchObject({ jobs: 0, skipped: 2 });
    expect(
      (await f.call('POST', '/v1/campaigns', { selection: {}, operations: [{ op: 'reboot' }] }))
        .body,
    ).toMatchObject({ status: 400, code: 'invalid-selection' });
    expect((await f.call('POST', `/v1/campaigns/${c.body.id}/resume`)).body).toMatchObject({
      status: 409,
      code: 'invalid-transition',
    });
  });
});
