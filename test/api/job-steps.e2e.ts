import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';
import { uniquePrefix } from '../support/redis';

type Attempt = { outcome: string; detail?: string };
const dmDevice = (id: string, msisdn: string, bind?: string) => ({
  id,
  protocol: 'omadm',
  addressing: { msisdn: `+${msisdn}`, devId: `IMEI:${msisdn}`, ...(bind ? { bind } : {}) },
  credentials: { serverPassword: 'srv', clientPassword: 'cli' },
});
const getFirmware = [{ op: 'get', path: 'firmware.version' }];

/**
 * A job always has one scheduled next step, retried wake-ups each have their own identity, and
 * errors are typed: transient ones never fail a job, permanent ones fail it at once (issue 10).
 */
describe('job steps: retries, typed errors, the next step in the API', () => {
  const prefix = uniquePrefix('steps');
  let smsc: SimulatedSmsc;
  let f: ApiFixture;
  const timings = {
    WAKE_BACKOFF_BASE_MS: '100',
    WAKE_BACKOFF_MAX_MS: '300',
    OUTBOX_INTERVAL_MS: '200',
    OUTBOX_GRACE_MS: '600',
  };

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
  });
  afterAll(async () => {
    await f?.close();
    await smsc.stop();
    await dropPrefix(prefix);
  });

  it('keeps retrying a wake-up that cannot go out (no SMSC bind yet) and proceeds once one is added', async () => {
    f = await startApi(timings, prefix);
    expect(
      (await f.call('POST', '/v1/devices', dmDevice('dm-nobind', '491700000101'))).status,
    ).toBe(201);
    const created = await f.call('POST', '/v1/jobs', {
      deviceId: 'dm-nobind',
      operations: getFirmware,
    });
    expect(created.status).toBe(202);
    const id = created.body.id;
    // Far more attempts than the two that used to collapse on a reused BullMQ id.
    const waiting = await until(
      () => f.call('GET', `/v1/jobs/${id}`),
      (r) => r.body.attempts.length >= 4,
    );
    expect(waiting.body.state).toBe('awaiting-contact');
    expect(waiting.body.attempts.every((a: Attempt) => a.outcome === 'error')).toBe(true);
    expect(waiting.body.attempts[0].detail).toMatch(/no SMPP bind configured/);
    expect(Date.parse(waiting.body.nextStepAt)).toBeGreaterThan(Date.parse(waiting.body.createdAt));
    expect(waiting.body.faults).toEqual([]);
    expect(waiting.body.lastError.message).toMatch(/no SMPP bind configured/);

    // The cause is fixed: the gateway restarts with a bind; the same job's next attempt goes out.
    await f.close();
    f = await startApi(
      {
        ...timings,
        DMB_MASTER_KEY: f.env.DMB_MASTER_KEY,
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
      },
      prefix,
    );
    await until(
      async () => smsc.received.filter((r) => r.destination === '491700000101').length,
      (n) => n >= 1,
      15000,
    );
    const sent = await until(
      () => f.call('GET', `/v1/jobs/${id}`),
      (r) => r.body.attempts.some((a: Attempt) => a.outcome === 'sent'),
    );
    expect(sent.body.state).toBe('awaiting-contact');
    expect(sent.body.nextStepAt).toBeDefined();
    expect(sent.body.lastError).toBeUndefined();
    expect((await f.call('POST', `/v1/jobs/${id}/cancel`)).body.state).toBe('cancelled');
    expect((await f.call('GET', `/v1/jobs/${id}`)).body.nextStepAt).toBeUndefined();
  }, 60000);

  it('refuses at the API what can never work: an unknown bind, CP SEC USERPINMAC', async () => {
    const bind = await f.call('POST', '/v1/devices', dmDevice('dm-badbind', '491700000102', 'x'));
    expect(bind.status).toBe(400);
    expect(bind.body.code).toBe('unknown-bind');
    expect(bind.body.detail).toContain("'x'");
    const mac = await f.call('POST', '/v1/devices', {
      id: 'cp-mac',
      protocol: 'omacp',
      addressing: { msisdn: '+491700000103', pinPolicy: 'userpinmac' },
      credentials: { userPin: '1234' },
    });
    expect(mac.status).toBe(400);
    expect(mac.body.code).toBe('unsupported-security');
  });

  it('fails a job at once when the SMSC refuses its notification for good', async () => {
    smsc.failDestination('491700000104', 0x0b);
    await f.call('POST', '/v1/devices', dmDevice('dm-invalid', '491700000104'));
    const { body } = await f.call('POST', '/v1/jobs', {
      deviceId: 'dm-invalid',
      operations: getFirmware,
    });
    const failed = await until(
      () => f.call('GET', `/v1/jobs/${body.id}`),
      (r) => r.body.state === 'failed',
      15000,
    );
    expect(failed.body.faults).toHaveLength(1);
    expect(failed.body.faults[0].code).not.toBe('no-contact');
    // one notification, not one per back-off until the deadline
    expect(smsc.received.filter((r) => r.destination === '491700000104')).toHaveLength(1);
    expect(failed.body.nextStepAt).toBeUndefined();
  }, 30000);

  it('picks up a job left `waking` by a process that died mid-wake-up', async () => {
    await f.call('POST', '/v1/devices', dmDevice('dm-waking', '491700000105'));
    // What the dead process left: the job stored and moved to `waking`, its step taken (a lease
    // due now) and nothing queued.
    const device = await f.core.devices.get('dm-waking');
    const ops = f.core.jobs.compileOperations(device, getFirmware);
    const job = f.core.jobs.buildJob(device, ops, { deadline: Date.now() + 60_000 });
    await f.core.jobs.createMany([job]);
    const stored = (await f.core.jobs.get(job.id))!;
    expect(await f.core.jobs.claimStep(stored, '0')).toBeTruthy();
    expect(await f.core.jobs.beginWake(job.id)).not.toBeNull();
    const started = Date.now();
    const sent = await until(
      () => f.call('GET', `/v1/jobs/${job.id}`),
      (r) => r.body.attempts.some((a: Attempt) => a.outcome === 'sent'),
      15000,
    );
    // not before the grace: a live process gets the time to finish its wake-up
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(sent.body.attempts[0]).toMatchObject({ outcome: 'error', detail: 'interrupted' });
    expect(sent.body.state).toBe('awaiting-contact');
    await f.call('POST', `/v1/jobs/${job.id}/cancel`);
  }, 30000);
});
