import {
  ConflictError,
  newId,
  redisMasters,
  requestFingerprint,
  verifyShardCount,
  type Job,
} from '@dm-bridge/core';
import { redisKeySlot as keySlot } from '@dm-bridge/core';
import { coreFixture } from './core-fixture';

/**
 * Core spread over four shards (what REDIS_SHARDS does on a cluster), on whichever Redis the
 * suite runs against: slot placement, cross-shard uniqueness and the crash-recovery paths of the
 * steps that span two shards (docs/core.md, "Redis Cluster and Sentinel").
 */
describe('core over four shards', () => {
  let f: Awaited<ReturnType<typeof coreFixture>>;
  beforeEach(async () => {
    f = await coreFixture({ shards: 4 });
  });
  afterEach(() => f.t.cleanup());

  const msisdn = (n: number) => `+4917012${String(n).padStart(5, '0')}`;

  /** A device id and an MSISDN whose claim lives in another shard than the device. */
  function remoteAddress(id: string, from = 0): string {
    for (let n = from; ; n++)
      if (f.core.shards.indexOf(`omadm:msisdn:${msisdn(n)}`) !== f.core.shards.indexOf(id))
        return msisdn(n);
  }

  async function allKeys(): Promise<string[]> {
    const nodes = redisMasters(f.t.redis);
    const tag = /^\{([^}]+)\}/.exec(f.t.prefix);
    const patterns = tag ? [`{${tag[1]}:*`, `${f.t.prefix}*`] : [`${f.t.prefix}*`];
    const out: string[] = [];
    for (const node of nodes)
      for (const pattern of patterns) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          out.push(...keys);
        } while (cursor !== '0');
      }
    return out;
  }

  it('keeps every key of a device, its jobs and lock in one hash slot, devices spread over shards', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `hs-${i}`);
    const jobOf = new Map<string, string>();
    for (const [i, id] of ids.entries()) {
      await f.core.devices.create({ id, protocol: 'omadm', addressing: { msisdn: msisdn(i) } });
      const { job } = await f.core.jobs.create({
        deviceId: id,
        operations: [{ op: 'get', path: 'firmware.version' }],
      });
      jobOf.set(job.id, id);
      await f.core.devices.recordContact(id, Date.now(), { 'DevInfo/Mod': 'X1' });
      await f.core.locks.tryAcquire(id, 'session-1', 60_000);
    }
    const shardsUsed = new Set(ids.map((id) => f.core.shards.indexOf(id)));
    expect(shardsUsed.size).toBeGreaterThanOrEqual(3);

    const keys = await allKeys();
    for (const id of ids) {
      const shard = f.core.shards.ofDevice(id);
      const own = keys.filter(
        (k) =>
          k.endsWith(`:${id}`) ||
          [...jobOf].some(([jobId, dev]) => dev === id && k.endsWith(`:${jobId}`)),
      );
      // device, inventory, lock, pending jobs, job hash
      expect(own.length).toBeGreaterThanOrEqual(5);
      for (const k of own) {
        expect(k.startsWith(shard.base)).toBe(true);
        expect(keySlot(k)).toBe(keySlot(shard.device(id)));
      }
    }
    // four shards, four slots
    expect(new Set(f.core.shards.all().map((s) => keySlot(s.device('x')))).size).toBe(4);
  });

  it('keeps an address unique when its claim lives in another shard than the device', async () => {
    const m = remoteAddress('a');
    await f.core.devices.create({ id: 'a', protocol: 'omadm', addressing: { msisdn: m } });
    await expect(
      f.core.devices.create({ id: 'b', protocol: 'omadm', addressing: { msisdn: m } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const [row] = await f.core.devices.importBatch([
      { row: 1, input: { id: 'b', protocol: 'omadm', addressing: { msisdn: m } } },
    ]);
    expect(row).toMatchObject({ row: 1, ok: false });
    expect(await f.core.devices.find('b')).toBeNull();
    expect((await f.core.devices.findByAddress('omadm', 'msisdn', m))?.id).toBe('a');

    // moving a to another number releases the old claim
    await f.core.devices.update('a', { addressing: { msisdn: remoteAddress('a', 500) } });
    await f.core.devices.create({ id: 'b', protocol: 'omadm', addressing: { msisdn: m } });
    expect((await f.core.devices.findByAddress('omadm', 'msisdn', m))?.id).toBe('b');
    await f.core.devices.delete('b');
    expect(await f.core.devices.findByAddress('omadm', 'msisdn', m)).toBeNull();
    const index = f.core.shards.ofValue(`omadm:msisdn:${m}`).addressIndex('omadm', 'msisdn');
    expect(await f.t.redis.hget(index, m)).toBeNull();
  });

  it('takes over a claim left by a crashed write only after the grace period', async () => {
    const m = remoteAddress('b');
    const index = f.core.shards.ofValue(`omadm:msisdn:${m}`).addressIndex('omadm', 'msisdn');
    // a create that claimed the number a moment ago and has not written its device yet
    await f.t.redis.hset(index, m, `ghost\t${Date.now().toString(36)}`);
    expect(await f.core.devices.findByAddress('omadm', 'msisdn', m)).toBeNull();
    await expect(
      f.core.devices.create({ id: 'b', protocol: 'omadm', addressing: { msisdn: m } }),
    ).rejects.toMatchObject({ code: 'address-taken' });

    // the same claim a minute old: its writer died
    await f.t.redis.hset(index, m, `ghost\t${(Date.now() - 60_000).toString(36)}`);
    await f.core.devices.create({ id: 'b', protocol: 'omadm', addressing: { msisdn: m } });
    expect((await f.core.devices.findByAddress('omadm', 'msisdn', m))?.id).toBe('b');
    expect((await f.t.redis.hget(index, m))!.split('\t')[0]).toBe('b');

    // an update that moved b away and died before releasing: b no longer has the number
    await f.core.devices.update('b', { addressing: { msisdn: remoteAddress('b', 700) } });
    await f.t.redis.hset(index, m, `b\t${(Date.now() - 60_000).toString(36)}`);
    expect(await f.core.devices.findByAddress('omadm', 'msisdn', m)).toBeNull();
    await f.core.devices.create({ id: 'c', protocol: 'omadm', addressing: { msisdn: m } });
    expect((await f.core.devices.findByAddress('omadm', 'msisdn', m))?.id).toBe('c');
  });

  it('completes a job whose idempotency key was claimed by a request that died before storing it', async () => {
    await f.core.devices.create({ id: 'hs', protocol: 'omadm', addressing: { msisdn: msisdn(1) } });
    let key = 'retry-0';
    for (let i = 1; f.core.shards.indexOf(key) === f.core.shards.indexOf('hs'); i++)
      key = `retry-${i}`;
    const input = {
      deviceId: 'hs',
      operations: [{ op: 'get' as const, path: 'firmware.version' }],
      idempotencyKey: key,
    };
    const reserved = f.core.shards.jobId(newId('j'), 'hs');
    await f.t.redis.set(
      f.core.shards.ofValue(key).idempotency(key),
      `${reserved} ${requestFingerprint(input)}`,
    );
    const first = await f.core.jobs.create(input);
    expect(first).toMatchObject({ created: true, job: { id: reserved, state: 'queued' } });
    expect((await f.core.jobs.get(reserved)).deviceId).toBe('hs');
    const again = await f.core.jobs.create(input);
    expect(again).toMatchObject({ created: false, job: { id: reserved } });
    await expect(
      f.core.jobs.create({ ...input, operations: [{ op: 'reboot' as const }] }),
    ).rejects.toMatchObject({ code: 'idempotency-key-reused' });
    expect((await f.core.jobs.list({ deviceId: 'hs' }, undefined, 10)).items).toHaveLength(1);
  });

  it('lists devices and jobs in one global order across shards and sums the counts', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries())
      await f.core.devices.create({
        id,
        protocol: i % 3 ? 'omadm' : 'omacp',
        addressing: { msisdn: msisdn(i) },
        tags: i % 2 ? [] : ['even'],
      });
    const pages = async (filter: object) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.core.devices.list(filter, cursor, 7);
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await pages({ protocol: 'omadm' })).toEqual(ids.filter((_, i) => i % 3));
    expect(await pages({ tag: 'even' })).toEqual(ids.filter((_, i) => i % 2 === 0));
    expect(await f.core.devices.count({ protocol: 'omacp' })).toBe(10);
    expect(await f.core.devices.count({ tag: 'even' })).toBe(15);

    const jobIds: string[] = [];
    for (const id of ids.filter((_, i) => i % 3).slice(0, 13))
      jobIds.push(
        (
          await f.core.jobs.create({
            deviceId: id,
            operations: [{ op: 'get', path: 'firmware.version' }],
          })
        ).job.id,
      );
    const listed: Job[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.core.jobs.list({}, cursor, 5);
      listed.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    // newest first by creation time, ties by id, each job once (an id's time part may be a
    // millisecond off its createdAt, so the ids alone do not give the order)
    const order = (a: Job, b: Job) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);
    expect(listed.map((j) => j.id)).toEqual([...listed].sort(order).map((j) => j.id));
    expect(listed.map((j) => j.id).sort()).toEqual([...jobIds].sort());
    expect((await f.core.jobs.countByState()).queued).toBe(13);
  });

  it('pages through many devices when each shard is asked for less than a page', async () => {
    // most in one shard, so that shard holds more of a page than it is asked for
    const ids: string[] = [];
    for (let n = 0; ids.length < 300; n++) {
      const id = `p${String(n).padStart(4, '0')}`;
      if (f.core.shards.indexOf(id) === 0 || n % 40 === 0) ids.push(id);
    }
    const rows = ids.map((id, i) => ({
      row: i + 1,
      input: {
        id,
        protocol: 'omadm',
        addressing: { msisdn: msisdn(1000 + i) },
        tags: i % 5 ? [] : ['fifth'],
      },
    }));
    const results = await f.core.devices.importBatch(rows as never);
    expect(results.every((r) => r.ok)).toBe(true);
    const walk = async (filter: object, limit: number) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.core.devices.list(filter, cursor, limit);
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    // 4 shards asked for ceil(2 * 50 / 4) + 16 = 41 each: pages stop at the smallest full run
    expect(await walk({}, 50)).toEqual(ids);
    expect(await walk({ tag: 'fifth' }, 50)).toEqual(ids.filter((_, i) => i % 5 === 0));
    const batches: string[] = [];
    let next: string | undefined;
    do {
      const b = await f.core.devices.selectBatch({ protocol: 'omadm' }, next, 64);
      expect(b.ids.length).toBeLessThanOrEqual(64);
      batches.push(...b.ids);
      next = b.next;
    } while (next);
    expect(batches).toEqual(ids);
  });

  it('fans a campaign out over shards and sums its progress', async () => {
    for (let i = 0; i < 20; i++)
      await f.core.devices.create({
        id: `c${i}`,
        protocol: 'omadm',
        addressing: { msisdn: msisdn(i) },
        tags: ['fleet'],
      });
    const c = await f.core.campaigns.create({
      selection: { tag: 'fleet' },
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    expect(await f.core.campaigns.fanOutBatch(c.id, 7)).toBe('more');
    while ((await f.core.campaigns.fanOutBatch(c.id, 7)) === 'more');
    const jobs: Job[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.core.jobs.list({ campaignId: c.id }, cursor, 6);
      jobs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(jobs.map((j) => j.deviceId)).size).toBe(20);
    expect(new Set(jobs.map((j) => f.core.shards.ofJob(j.id)!.index)).size).toBeGreaterThan(1);
    const cancelled = await f.core.campaigns.cancel(c.id);
    expect(cancelled.progress).toMatchObject({ jobs: 20, done: 20, byState: { cancelled: 20 } });
  });

  it("queues a job's overdue next step again when the process died before queueing it", async () => {
    await f.core.devices.create({ id: 'hs', protocol: 'omadm', addressing: { msisdn: msisdn(1) } });
    await f.core.devices.create({
      id: 'hs2',
      protocol: 'omadm',
      addressing: { msisdn: msisdn(2) },
    });
    f.core.jobs.scheduler = {
      schedule: async () => {
        throw new Error('BullMQ unreachable');
      },
    };
    const ops = [{ op: 'get' as const, path: 'firmware.version' }];
    await expect(f.core.jobs.create({ deviceId: 'hs', operations: ops })).rejects.toThrow(
      'BullMQ unreachable',
    );
    await expect(f.core.jobs.create({ deviceId: 'hs2', operations: ops })).rejects.toThrow();
    const [stranded] = await f.core.jobs.pendingJobs('hs');
    const [movedOn] = await f.core.jobs.pendingJobs('hs2');
    expect(stranded.state).toBe('queued');
    // the second job was served by a contact in the meantime: nothing to queue for it
    await f.core.jobs.claimJobs([movedOn.id]);

    const queued: string[] = [];
    f.core.jobs.scheduler = {
      schedule: async (steps) => void queued.push(...steps.map((s) => `${s.jobId}-${s.token}`)),
    };
    expect(await f.core.jobs.reconcileSteps(60_000)).toBe(0);
    // Both are not terminal, so both have a next step, and both are overdue: the stranded first
    // wake-up and the in-session job's (whose step will watch its session).
    expect(await f.core.jobs.reconcileSteps(0)).toBe(2);
    expect(queued.sort()).toEqual([`${stranded.id}-0`, `${movedOn.id}-0`].sort());
    expect((await f.core.jobs.get(movedOn.id)).state).toBe('in-session');

    // a job whose first step was queued normally is not overdue
    queued.length = 0;
    await f.core.jobs.create({ deviceId: 'hs', operations: ops });
    expect(queued).toHaveLength(1);
    expect(await f.core.jobs.reconcileSteps(60_000)).toBe(0);
  });

  it('refuses data written with another shard count', async () => {
    await verifyShardCount(f.t.redis, f.t.prefix, 4);
    await verifyShardCount(f.t.redis, f.t.prefix, 4);
    await expect(verifyShardCount(f.t.redis, f.t.prefix, 16)).rejects.toThrow(
      'written with 4 shard(s), not 16; set REDIS_SHARDS=4',
    );
  });

  it('takes data written before shard counts were recorded as one shard', async () => {
    const one = await coreFixture({ shards: 1 });
    try {
      await one.core.devices.create({
        id: 'old',
        protocol: 'omadm',
        addressing: { msisdn: '+491709990000' },
      });
      await expect(verifyShardCount(one.t.redis, one.t.prefix, 16)).rejects.toThrow(
        'written with 1 shard(s), not 16; set REDIS_SHARDS=1',
      );
      await verifyShardCount(one.t.redis, one.t.prefix, 1);
    } finally {
      await one.t.cleanup();
    }
  });
});
