import { Core, createCore } from '@dm-bridge/core';
import type { Redis } from 'ioredis';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { testRedisClient, testRedisShards } from '../support/redis';
import { QueuesService } from '../../apps/gateway/src/orchestration/queues.service';
import { ApiFixture, dropPrefix, startApi, until } from './api-fixture';

/**
 * A process that stored a job and died before queueing its wake-up in BullMQ (two writes, two
 * slots): the job's first step, stored with it, becomes overdue, and the gateway's reconciler
 * queues it, after which the job runs like any other.
 */
describe('REST API: overdue steps are queued again', () => {
  let f: ApiFixture;
  let smsc: SimulatedSmsc;
  let redis: Redis;
  let crashed: Core;
  const handset = new OmaCpHandset({ msisdn: '491701234577', imsi: '262019876543277' });

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    smsc.addHandset(handset);
    f = await startApi({
      SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
      SMPP_JOB_BACKOFF_MS: '50',
      CP_RECEIPT_POLL_MS: '100',
      OUTBOX_INTERVAL_MS: '200',
      OUTBOX_GRACE_MS: '500',
      // one wake-up per job in this file: every notification seen is a first one
      WAKE_BACKOFF_BASE_MS: '600000',
      WAKE_BACKOFF_MAX_MS: '600000',
    });
    redis = testRedisClient();
    // Core as the dead process had it: same Redis and keys, but no BullMQ behind its scheduler.
    crashed = createCore({
      redis,
      prefix: f.prefix,
      shards: testRedisShards(),
      masterKey: Buffer.from(f.env.DMB_MASTER_KEY, 'hex'),
    });
    await crashed.catalog.reload();
  });
  afterAll(async () => {
    await f.close();
    await smsc.stop();
    await redis.quit();
    await dropPrefix(f.prefix);
  });

  it('queues the wake-up of a job stored without one, and the job runs to its end', async () => {
    const created = await f.call('POST', '/v1/devices', {
      id: 'cp-outbox',
      protocol: 'omacp',
      addressing: { msisdn: '+49 170 1234577', imsi: '262019876543277', pinPolicy: 'netwpin' },
    });
    expect(created.status).toBe(201);
    const { job } = await crashed.jobs.create({
      deviceId: 'cp-outbox',
      operations: [{ op: 'set', path: 'network.apn', value: 'outbox.example' }],
    });
    const stored = Date.now();
    expect((await f.call('GET', `/v1/jobs/${job.id}`)).body.state).toBe('queued');

    const done = await until(
      () => f.call('GET', `/v1/jobs/${job.id}`),
      (r) => r.body.state === 'succeeded',
    );
    // not before the grace period: a live process gets the time to queue it itself
    expect(Date.now() - stored).toBeGreaterThanOrEqual(500);
    expect(done.body.attempts[0]).toMatchObject({ kind: 'wake', outcome: 'sent' });
    const [doc] = await handset.waitForDocuments(1);
    expect(JSON.stringify(doc.document)).toContain('outbox.example');
    // terminal: no next step left to reconcile
    expect(await crashed.jobs.reconcileSteps(0)).toBe(0);
  });

  it('wakes each device once when the reconciler and a paced slot both queue its first step', async () => {
    const queues = f.gw.app.get(QueuesService);
    const ids = ['dm-outbox-a', 'dm-outbox-b'];
    const msisdns = ['491701234578', '491701234579'];
    for (const [i, id] of ids.entries())
      await f.call('POST', '/v1/devices', {
        id,
        protocol: 'omadm',
        addressing: { msisdn: `+${msisdns[i]}`, devId: `IMEI:35440000000057${i}` },
        credentials: { serverPassword: 'srv', clientPassword: 'cli' },
      });
    crashed.jobs.scheduler = {
      schedule: async () => {
        throw new Error('process died');
      },
    };
    const jobs = [];
    for (const id of ids) {
      await expect(
        crashed.jobs.create({
          deviceId: id,
          operations: [{ op: 'get', path: 'firmware.version' }],
        }),
      ).rejects.toThrow('process died');
      jobs.push((await crashed.jobs.pendingJobs(id))[0]);
    }
    // Both first steps queued in one paced slot 2.5 s ahead (one BullMQ job named after the
    // first), while their stored due time is now: the reconciler sees both overdue.
    const at = Date.now() + 2500;
    await queues.schedule(jobs.map((job) => ({ jobId: job.id, token: '0', at })));
    const sent = (m: string) => smsc.received.filter((r) => r.destination === m).length;
    // The reconciler queues the second under its own BullMQ id, so it is woken at once (the
    // first's id is the slot's: nothing added); then the slot runs for both, and the second's
    // step is stale by then: it must not be woken again.
    await until(
      async () => msisdns.map(sent),
      (n) => n.every((x) => x >= 1),
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(msisdns.map(sent)).toEqual([1, 1]);
    for (const job of jobs) {
      const read = await f.call('GET', `/v1/jobs/${job.id}`);
      expect(
        read.body.attempts.filter((a: { outcome: string }) => a.outcome === 'sent'),
      ).toHaveLength(1);
      await f.call('POST', `/v1/jobs/${job.id}/cancel`);
    }
  });
});
