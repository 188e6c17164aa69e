import { ConflictError, MASKED, ValidationError } from '@dm-bridge/core';
import { coreFixture } from './core-fixture';

describe('jobs in Redis', () => {
  let f: Awaited<ReturnType<typeof coreFixture>>;
  beforeEach(async () => {
    f = await coreFixture();
    await f.core.devices.create({
      id: 'hs',
      protocol: 'omadm',
      addressing: { msisdn: '+491701234567' },
    });
    await f.core.devices.create({
      id: 'cp',
      protocol: 'omacp',
      addressing: { msisdn: '+491701234568' },
    });
  });
  afterEach(() => f.t.cleanup());

  it('compiles catalog names to the device tree, seals secret values, masks them in views', async () => {
    const { job } = await f.core.jobs.create({
      deviceId: 'hs',
      operations: [
        { op: 'set', path: 'sip.password', value: 'hunter2-secret' },
        { op: 'get', path: 'omadm:./DevDetail/SwV' },
      ],
    });
    expect(job.operations[0].target).toMatchObject({ path: './Vendor/SIP/Password', secret: true });
    expect(job.operations[1].target).toEqual({ protocol: 'omadm', path: './DevDetail/SwV' });
    const raw = await f.t.redis.hget(f.core.shards.ofJob(job.id)!.job(job.id), 'm');
    expect(raw).not.toContain('hunter2');
    expect(f.core.jobs.view(await f.core.jobs.get(job.id)).operations[0].value).toBe(MASKED);
    expect(f.core.jobs.revealOperations(job)[0].value).toBe('hunter2-secret');
    expect(raw!.length + 200).toBeLessThan(2048);
  });

  it('refuses a CP read at creation with a clear error', async () => {
    await expect(
      f.core.jobs.create({ deviceId: 'cp', operations: [{ op: 'get', path: 'network.apn' }] }),
    ).rejects.toMatchObject({
      code: 'cp-read-refused',
      message: expect.stringContaining('cannot read'),
    });
    await expect(
      f.core.jobs.create({ deviceId: 'cp', operations: [{ op: 'reboot' }] }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('returns the same job for a repeated idempotency key and refuses it for another request', async () => {
    const input = {
      deviceId: 'hs',
      operations: [{ op: 'get' as const, path: 'firmware.version' }],
      idempotencyKey: 'abc-1',
    };
    const a = await f.core.jobs.create(input);
    const b = await f.core.jobs.create(input);
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ created: false, job: { id: a.job.id } });
    await expect(
      f.core.jobs.create({ ...input, operations: [{ op: 'reboot' }] }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('serves pending jobs at the next contact and records per-operation results', async () => {
    const { job } = await f.core.jobs.create({
      deviceId: 'hs',
      operations: [
        { op: 'get', path: 'firmware.version' },
        { op: 'set', path: 'sip.user', value: 'alice' },
      ],
    });
    expect(await f.core.jobs.beginWake(job.id)).toMatchObject({ state: 'waking' });
    expect(await f.core.jobs.wakeSent((await f.core.jobs.get(job.id))!, 'sms accepted')).toBe(true);
    const pending = (await f.core.jobs.pendingJobs('hs')).map((j) => j.id);
    expect(await f.core.jobs.claimJobs(pending)).toEqual([job.id]);
    expect(await f.core.jobs.claimJobs(pending)).toEqual([]);
    await f.core.jobs.completeJob(job.id, [
      { status: 'ok', value: '1.2.3', code: 200 },
      { status: 'failed', code: 405 },
    ]);
    const done = await f.core.jobs.get(job.id);
    expect(done.state).toBe('partial');
    expect(done.results[0]).toEqual({ status: 'ok', value: '1.2.3', code: 200 });
    expect(done.attempts).toEqual([
      expect.objectContaining({ n: 1, kind: 'wake', outcome: 'sent' }),
    ]);
    expect(f.events.map((e) => e.data.state)).toEqual([
      'queued',
      'waking',
      'awaiting-contact',
      'in-session',
      'partial',
    ]);
    await expect(f.core.jobs.cancel(job.id)).rejects.toMatchObject({ code: 'invalid-transition' });
    expect(await f.core.jobs.countByState()).toMatchObject({ partial: 1, queued: 0 });
  });

  it('expires with a fault, and CP outcomes come from receipts', async () => {
    const { job } = await f.core.jobs.create({ deviceId: 'hs', operations: [{ op: 'reboot' }] });
    expect(await f.core.jobs.expire(job.id)).toBe(true);
    expect((await f.core.jobs.get(job.id)).faults[0]).toMatchObject({ code: 'no-contact' });
    const cp = (
      await f.core.jobs.create({
        deviceId: 'cp',
        operations: [{ op: 'set', path: 'network.apn', value: 'internet' }],
      })
    ).job;
    await f.core.jobs.wakeSent((await f.core.jobs.beginWake(cp.id))!);
    await f.core.jobs.recordDelivery(cp.id, 'unconfirmed', 'no receipt within 600 s');
    expect(await f.core.jobs.get(cp.id)).toMatchObject({
      state: 'unconfirmed',
      faults: [expect.objectContaining({ code: 'no-receipt' })],
    });
  });

  it('trims the listing index past the longest deadline plus retention, not before', async () => {
    const { job } = await f.core.jobs.create({ deviceId: 'hs', operations: [{ op: 'reboot' }] });
    const day = 86400000;
    expect(await f.core.jobs.trimIndex(7 * day, Date.now() + 36 * day)).toBe(0);
    expect((await f.core.jobs.list({}, undefined, 10)).items.map((j) => j.id)).toEqual([job.id]);
    expect(await f.core.jobs.trimIndex(7 * day, Date.now() + 38 * day)).toBe(1);
    expect((await f.core.jobs.list({}, undefined, 10)).items).toEqual([]);
  });
});
