import { BindManager, parseSmscUrl } from '@dm-bridge/smpp';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { createTestRedis, TestRedis } from '../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two "worker processes" (BindManagers with their own Redis connections) contend for one bind. */
describe('bind ownership through a Redis lease', () => {
  let smsc: SimulatedSmsc;
  let a: TestRedis;
  let bRedis: TestRedis;
  const managers: BindManager[] = [];

  beforeEach(async () => {
    smsc = new SimulatedSmsc();
    await smsc.start();
    a = createTestRedis('lease');
    bRedis = createTestRedis('lease');
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
    await smsc.stop();
    await a.cleanup();
    await bRedis.redis.quit();
  });

  const manager = (redis: TestRedis) => {
    const m = new BindManager({
      redis: redis.redis,
      prefix: a.prefix, // same key space: same cluster of gateway processes
      binds: [{ ...parseSmscUrl(smsc.url(), 'shared'), reconnectInitialMs: 20 }],
      leaseTtlMs: 600,
    });
    managers.push(m);
    return m;
  };

  it('exactly one owner at a time; the survivor takes over when the owner dies', async () => {
    const m1 = manager(a);
    m1.start();
    for (let i = 0; i < 100 && !m1.owned('shared')?.isBound(); i++) await sleep(10);
    expect(m1.owned('shared')?.isBound()).toBe(true);

    const m2 = manager(bRedis);
    m2.start();
    const owners: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      owners.push([m1, m2].filter((m) => m.owned('shared')).length);
    }
    expect(owners.every((n) => n === 1)).toBe(true);
    expect(m2.health()[0].owner).toBe('other');
    expect(smsc.boundCount).toBe(1);

    m1.halt(); // crash: no release, the lease has to expire
    const t0 = Date.now();
    for (let i = 0; i < 300 && !m2.owned('shared')?.isBound(); i++) await sleep(10);
    expect(m2.owned('shared')?.isBound()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(smsc.boundCount).toBe(2);
    await expect(
      m2
        .owned('shared')!
        .submit({ destination: '4917', userData: Buffer.from('00', 'hex'), udhi: false }),
    ).resolves.toMatchObject({ attempts: 1 });
  });

  it('a graceful stop releases the lease at once', async () => {
    const m1 = manager(a);
    m1.start();
    for (let i = 0; i < 100 && !m1.owned('shared')?.isBound(); i++) await sleep(10);
    const m2 = manager(bRedis);
    m2.start();
    await sleep(50);
    await m1.stop();
    for (let i = 0; i < 100 && !m2.owned('shared')?.isBound(); i++) await sleep(10);
    expect(m2.owned('shared')?.isBound()).toBe(true);
  });
});
