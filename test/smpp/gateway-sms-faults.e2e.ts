import { startGateway, RunningGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { createTestRedis, testRedisEnv, TestRedis } from '../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  f: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/** A one-segment WDP datagram; its bytes name the push so the SMSC can count copies. */
const datagram = (tag: string) => Buffer.from(`dmb-fault-test:${tag}.`, 'latin1');

/**
 * The gateway's SMS path (SmsService → `sms-<bind>` queue → bind owner → SMPP) under SMSC
 * faults, over real TCP and real Redis, with SMPP_JOB_ATTEMPTS=1: any transient cause that still
 * used a BullMQ attempt would fail a push here. A push ends `failed` only for a permanent cause
 * or a passed deadline.
 */
describe('gateway SMS path under SMSC faults', () => {
  let smsc: SimulatedSmsc;
  let gw: RunningGateway;
  let sms: SmsService;
  let t: TestRedis;

  const states = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await sms.status(id))?.state));
  const allDelivered = async (ids: string[]) =>
    (await states(ids)).every((s) => s === 'delivered') || undefined;
  const enqueue = (prefix: string, n: number, deadline?: number) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    return sms
      .enqueue(
        ids.map((id, i) => ({
          pushId: id,
          jobId: `job-${id}`,
          destination: `4917${String(i).padStart(7, '0')}`,
          datagram: datagram(id),
        })),
        'sim',
        { deadline },
      )
      .then(() => ids);
  };
  /** How many times the SMSC received each push (matched by its datagram bytes). */
  const copies = (ids: string[]): number[] =>
    ids.map((id) => smsc.received.filter((r) => r.userData.includes(datagram(id))).length);

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    t = createTestRedis('smsf');
    gw = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: t.prefix,
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim&window=10`,
        SMPP_LEASE_TTL_MS: '1500',
        SMPP_JOB_ATTEMPTS: '1',
        SMPP_JOB_BACKOFF_MS: '50',
        SMPP_JOB_BACKOFF_MAX_MS: '400',
        SMPP_PUSHES_PER_JOB: '5',
      },
      logger: false,
    });
    sms = gw.app.get(SmsService);
    await until(() => sms.transport.owned('sim')?.isBound());
  });

  afterAll(async () => {
    await gw?.close();
    await smsc.stop();
    await t?.cleanup();
  });

  it('a throttle episode with temporary errors and generic_nacks: every push delivered, none failed', async () => {
    smsc.throttleFor(3_000);
    smsc.failNext(40, 0x08);
    smsc.genericNackNext(20);
    const ids = await enqueue('thr', 60);
    await sleep(1_500);
    // Mid-episode: waiting, not failed.
    expect((await states(ids)).filter((s) => s !== 'submitting')).toEqual([]);
    await until(() => allDelivered(ids), 30_000);
    const c = sms.transport.owned('sim')!.health().counters;
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.temporaryErrors).toBe(40);
    expect(c.genericNacks).toBe(20);
    expect(copies(ids).every((n) => n >= 1)).toBe(true);
  });

  it('a permanent SMSC error fails the push at once with its code, on the status and the stream', async () => {
    smsc.failDestination('491799999999', 0x0b);
    const t0 = Date.now();
    await sms.enqueue([
      { pushId: 'perm-1', jobId: 'job-perm', destination: '491799999999', datagram: datagram('p') },
    ]);
    const s = await until(async () => {
      const st = await sms.status('perm-1');
      return st?.state === 'failed' ? st : undefined;
    });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(s).toMatchObject({
      state: 'failed',
      code: 'smsc-ESME_RINVDSTADR',
      error:
        'SMSC refused submit_sm with ESME_RINVDSTADR (0x0000000b): invalid destination address',
    });
    expect(copies(['p'])).toEqual([1]);
    const entries = await t.redis.xrange(`${t.prefix}smpp:outcomes`, '-', '+');
    const mine = entries.map(([, f]) => f).filter((f) => f[1] === 'perm-1');
    expect(mine).toEqual([
      [
        'pushId',
        'perm-1',
        'jobId',
        'job-perm',
        'state',
        'failed',
        'code',
        'smsc-ESME_RINVDSTADR',
        'error',
        s.error,
      ],
    ]);
  });

  it('binds refused for a while: pushes wait and go out once accepted; one whose deadline passed ends `expired`', async () => {
    smsc.refuseBinds();
    smsc.dropAll();
    await until(() => !sms.transport.owned('sim')?.isBound() || undefined);
    const waiting = await enqueue('ref', 10);
    const short = await enqueue('exp', 1, Date.now() + 1_000);
    await sleep(2_500);
    expect(await states(waiting)).toEqual(Array(10).fill('submitting'));
    const expired = await until(async () => {
      const st = await sms.status(short[0]);
      return st?.state === 'failed' ? st : undefined;
    }, 5_000);
    expect(expired).toMatchObject({ code: 'expired' });
    expect(expired.error).toMatch(/deadline passed before the SMSC accepted the message/);
    smsc.acceptBinds();
    await until(() => allDelivered(waiting), 40_000);
    expect(copies(waiting)).toEqual(Array(10).fill(1));
    expect(copies(short)).toEqual([0]);
  });

  it('SMSC killed with a full window, restarted: every push delivered; the unanswered ones twice (at least once)', async () => {
    // The next 10 submits reach the handsets but their responses die with the SMSC.
    smsc.loseResponses(10);
    const ids = await enqueue('kill', 30);
    await until(() => copies(ids).reduce((x, y) => x + y, 0) >= 10 || undefined);
    await until(() => sms.transport.owned('sim')!.health().inFlight === 10 || undefined);
    await smsc.kill();
    await sleep(1_000);
    expect((await states(ids)).filter((s) => s === 'failed')).toEqual([]);
    await smsc.start();
    await until(() => allDelivered(ids), 60_000);
    const n = copies(ids);
    expect(n.filter((c) => c === 2)).toHaveLength(10);
    expect(n.filter((c) => c === 1)).toHaveLength(20);
  });

  it('the bind changes hands mid-job (lease lost): the queue job reruns without using an attempt', async () => {
    smsc.stall();
    const ids = await enqueue('lease', 5);
    await until(() => sms.transport.owned('sim')?.health().inFlight === 5 || undefined);
    const first = sms.transport.owned('sim');
    // Another process took the lease: this owner's next renewal is refused.
    await t.redis.del(`${t.prefix}smpp:lease:sim`);
    await until(() => sms.transport.owned('sim') !== first || undefined);
    smsc.stall(false);
    await until(() => allDelivered(ids), 30_000);
    // Sent on the first connection (never answered), then again by the job's rerun on the new one.
    expect(copies(ids)).toEqual(Array(5).fill(2));
    // No BullMQ attempt was used up (with SMPP_JOB_ATTEMPTS=1 one would have failed the job).
    expect(await sms.queue('sim')!.getFailedCount()).toBe(0);
  });
});
