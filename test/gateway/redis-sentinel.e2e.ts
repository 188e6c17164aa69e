import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redisAnswers } from '../../apps/gateway/src/redis/embedded-redis';
import { ApiFixture, startApi } from '../api/api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from '../api/phone-fleet';
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis';
import { freePort, RedisProcesses, waitFor } from '../support/redis-processes';

// Not on the cluster run: it brings its own master + sentinel and never touches the test Redis.
const describeSentinel = TEST_REDIS_CLUSTER_NODES ? describe.skip : describe;

/** A private master plus one Redis Sentinel monitoring it; the gateway finds the master by name. */
describeSentinel('gateway on Redis Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  let dir: string;
  const procs = new RedisProcesses();
  let masterPort: number;
  let f: ApiFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmb-sentinel-'));
    masterPort = await freePort();
    procs.spawn(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir]);
    await waitFor(() => redisAnswers('127.0.0.1', masterPort), 'redis-server');
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\n` +
        `sentinel monitor dmbtest 127.0.0.1 ${masterPort} 1\n`,
    );
    procs.spawn([conf, '--sentinel']);
    await waitFor(() => redisAnswers('127.0.0.1', sentinelPort), 'redis-sentinel');

    f = await startApi({
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`,
      REDIS_SENTINEL_NAME: 'dmbtest',
      ...PHONE_FLEET_ENV,
    } as unknown as Record<string, string>);
  }, 30000);

  afterAll(async () => {
    await f?.close();
    await procs.killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job through BullMQ with every key on the master the sentinel names', async () => {
    // a simulated OpenStage phone: contact-me wake-up, a Workpoint session, results
    const fleet = new PhoneFleet(f);
    try {
      await fleet.add(['hs-1']);
      const res = await f.call('POST', '/v1/jobs?wait=10', {
        deviceId: 'hs-1',
        operations: [{ op: 'get', path: 'firmware.version' }],
      });
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('succeeded');
    } finally {
      await fleet.stop();
    }

    const master = new Redis(masterPort, '127.0.0.1');
    try {
      expect(await master.exists(`${f.prefix}core:d:hs-1`)).toBe(1);
      const bull = await master.keys(`${f.prefix}bull:*`);
      expect(bull.length).toBeGreaterThan(0);
    } finally {
      master.disconnect();
    }
  });
});
