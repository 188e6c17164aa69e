import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';

/**
 * A campaign paced faster than its SMSC bind: wake-ups beyond the bind's rate (with
 * WAKE_SMS_BURST_S seconds of burst) are deferred, so notifications leave at the bind's rate and
 * no handset gets two (the re-wake timer of a notification still queued would otherwise fire).
 */
describe('REST API: wake-ups paced by the SMSC bind rate', () => {
  let f: ApiFixture;
  let smsc: SimulatedSmsc;
  const N = 24;
  const msisdn = (i: number) => `49170555${String(i).padStart(4, '0')}`;

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    f = await startApi({
      SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=slow&rate=8`,
      SMPP_PUSHES_PER_JOB: '1',
      WAKE_SMS_BURST_S: '1',
      // no re-wake during the test: every notification seen is a first one
      WAKE_BACKOFF_BASE_MS: '600000',
      WAKE_BACKOFF_MAX_MS: '600000',
    });
    for (let i = 0; i < N; i++)
      expect(
        (
          await f.call('POST', '/v1/devices', {
            id: `slow-${i}`,
            protocol: 'omadm',
            addressing: {
              msisdn: `+${msisdn(i)}`,
              devId: `IMEI:3544${String(i).padStart(11, '0')}`,
            },
            credentials: { serverPassword: 'srv', clientPassword: 'cli' },
            tags: ['slow'],
          })
        ).status,
      ).toBe(201);
  });
  afterAll(async () => {
    await f.close();
    await smsc.stop();
    await dropPrefix(f.prefix);
  });

  it('defers wake-ups while the bind is backed up and sends every notification once', async () => {
    const sms = f.gw.app.get(SmsService);
    let maxWaiting = 0;
    const sampler = setInterval(
      () =>
        void sms
          .queue('slow')!
          .getWaitingCount()
          .then((n) => (maxWaiting = Math.max(maxWaiting, n))),
      20,
    );
    const started = Date.now();
    const c = await f.call('POST', '/v1/campaigns', {
      selection: { tag: 'slow' },
      operations: [{ op: 'get', path: 'firmware.version' }],
      ratePerSecond: 1000,
    });
    expect(c.status).toBe(201);
    try {
      await until(
        async () => new Set(smsc.received.map((r) => r.destination)).size,
        (n) => n === N,
        20_000,
      );
    } finally {
      clearInterval(sampler);
    }
    const elapsed = (Date.now() - started) / 1000;
    // every handset notified exactly once
    const perDestination = new Map<string, number>();
    for (const r of smsc.received)
      perDestination.set(r.destination, (perDestination.get(r.destination) ?? 0) + 1);
    expect([...perDestination.values()].every((n) => n === 1)).toBe(true);
    // at the bind's 8/s, not faster, and the queue never held much more than a second of it
    expect(elapsed).toBeGreaterThanOrEqual((N - 8) / 8);
    expect(maxWaiting).toBeLessThanOrEqual(8 + 8);

    const jobs = (await f.call('GET', `/v1/jobs?campaignId=${c.body.id}&limit=100`)).body.items;
    const deferred = jobs.filter((j: { attempts: { outcome: string; detail?: string }[] }) =>
      j.attempts.some(
        (a) =>
          a.outcome === 'deferred' &&
          /SMSC bind slow is at its rate; retry in \d+ ms/.test(a.detail ?? ''),
      ),
    );
    expect(deferred.length).toBeGreaterThan(0);
    expect(
      jobs.every(
        (j: { attempts: { outcome: string }[] }) =>
          j.attempts.filter((a) => a.outcome === 'sent').length === 1,
      ),
    ).toBe(true);
  });
});
