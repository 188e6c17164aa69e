import { coreFixture } from './core-fixture';

/**
 * What the workers' reconciler repairs in campaigns after a crash: a fan-out that was never
 * queued, and a completion check that died with the process that finished the last job.
 */
describe('campaign reconciler', () => {
  let f: Awaited<ReturnType<typeof coreFixture>>;
  let fanOuts: { id: string; key?: string }[];
  beforeEach(async () => {
    f = await coreFixture();
    fanOuts = [];
    f.core.campaigns.fanOutScheduler = {
      fanOut: async (id, key) => void fanOuts.push({ id, key }),
    };
    for (let i = 0; i < 5; i++)
      await f.core.devices.create({
        id: `h${i}`,
        protocol: 'omadm',
        addressing: { msisdn: `+4917055500${i}` },
        tags: ['r'],
      });
  });
  afterEach(() => f.t.cleanup());

  const input = {
    selection: { tag: 'r' },
    operations: [{ op: 'get' as const, path: 'firmware.version' }],
  };

  it('queues the fan-out again for a running campaign whose fan-out never moved, once per stall', async () => {
    const c = await f.core.campaigns.create(input);
    expect(fanOuts).toEqual([{ id: c.id, key: undefined }]); // the one the crash lost
    expect(await f.core.campaigns.reconcile(60_000)).toEqual({ refanned: 0, checked: 1 });
    const first = await f.core.campaigns.reconcile(0);
    expect(first).toEqual({ refanned: 1, checked: 1 });
    expect(fanOuts[1]).toEqual({ id: c.id, key: `stalled-${c.updatedAt}` });
    await f.core.campaigns.reconcile(0);
    // the same stall gives the same key: BullMQ keeps one job for it
    expect(fanOuts[2]).toEqual(fanOuts[1]);

    while ((await f.core.campaigns.fanOutBatch(c.id, 2)) === 'more');
    expect((await f.core.campaigns.get(c.id)).progress.jobs).toBe(5);
    // fanned out: nothing more to queue; paused campaigns are left to resume
    await f.core.campaigns.pause(c.id);
    expect((await f.core.campaigns.reconcile(0)).refanned).toBe(0);
  });

  it('completes a campaign whose last job finished in a process that died before checking', async () => {
    const c = await f.core.campaigns.create(input);
    while ((await f.core.campaigns.fanOutBatch(c.id)) === 'more');
    f.core.jobs.onCampaignJobFinished = undefined; // the dying process never gets to it
    for (let i = 0; i < 5; i++) {
      const [job] = await f.core.jobs.pendingJobs(`h${i}`);
      await f.core.jobs.claimJobs([job.id]);
      await f.core.jobs.completeJob(job.id, [{ status: 'ok', code: 200, value: '1.0' }]);
    }
    expect((await f.core.campaigns.get(c.id)).state).toBe('running');
    expect(await f.core.campaigns.reconcile(0)).toEqual({ refanned: 0, checked: 1 });
    const done = await f.core.campaigns.get(c.id);
    expect(done).toMatchObject({
      state: 'completed',
      progress: { done: 5, byState: { succeeded: 5 } },
    });
    // final campaigns leave the reconciler's set
    expect(await f.core.campaigns.reconcile(0)).toEqual({ refanned: 0, checked: 0 });
  });
});
