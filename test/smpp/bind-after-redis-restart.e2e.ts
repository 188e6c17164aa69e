import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, RunningGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { RedisAofProcess } from '../support/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/**
 * Redis stopped longer than the bind lease while the bind owner's queue jobs wait on the SMSC
 * (the resilience suite's redis-sigterm case, narrowed to the SMS path): the owner's lease is
 * gone when Redis is back, so it lets go of the bind, and must take it back, whatever state its
 * BullMQ worker was left in by the broken connection. Once it did, every push goes out.
 */
describe('SMPP bind after a Redis restart that outlived the lease', () => {
  let dir: string;
  let redis: RedisAofProcess;
  let smsc: SimulatedSmsc;
  let gw: RunningGateway | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmb-bind-redis-'));
    redis = await new RedisAofProcess(dir).start();
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
  });

  afterAll(async () => {
    await gw?.close();
    await smsc.stop();
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets go of the bind, takes it back, and delivers every push', async () => {
    gw = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'brr:',
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim&window=10`,
        SMPP_LEASE_TTL_MS: '1000',
        SMPP_JOB_BACKOFF_MS: '100',
        SMPP_JOB_BACKOFF_MAX_MS: '500',
        SMPP_PUSHES_PER_JOB: '2',
        SHUTDOWN_GRACE_MS: '3000',
      },
      logger: false,
    });
    const sms = gw.app.get(SmsService);
    const first = await until(() =>
      sms.transport.owned('sim')?.isBound() ? sms.transport.owned('sim') : undefined,
    );
    smsc.stall();
    const ids = Array.from({ length: 10 }, (_, i) => `rr-${i}`);
    await sms.enqueue(
      ids.map((id, i) => ({
        pushId: id,
        jobId: `job-${id}`,
        destination: `4917${String(i).padStart(7, '0')}`,
        datagram: Buffer.from(`dmb-redis-restart:${id}.`, 'latin1'),
      })),
      'sim',
    );
    await until(() => (sms.transport.owned('sim')!.health().inFlight > 0 ? true : undefined));

    await redis.restart('SIGTERM', 2_500);
    smsc.stall(false);

    const again = await until(() => {
      const b = sms.transport.owned('sim');
      return b && b !== first && b.isBound() ? b : undefined;
    });
    expect(again).not.toBe(first);
    const states = async () => Promise.all(ids.map(async (id) => (await sms.status(id))?.state));
    await until(async () => ((await states()).every((s) => s === 'delivered') ? true : undefined));
    expect(await states()).toEqual(Array(10).fill('delivered'));
  }, 60_000);
});
