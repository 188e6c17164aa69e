import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redisAnswers } from '../../apps/gateway/src/redis/embedded-redis';
import { ApiFixture, startApi } from '../api/api-fixture';
import { LoopbackFleet } from '../api/loopback-device';

// redis-server cannot listen on port 0 and report it, so take a free ephemeral port just before
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 10000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A private master plus one Redis Sentinel monitoring it; the gateway finds the master by name. */
describe('gateway on Redis Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmb-sentinel-'));
  const children: ChildProcess[] = [];
  let masterPort: number;
  let f: ApiFixture;

  beforeAll(async () => {
    masterPort = await freePort();
    children.push(
      spawn(
        'redis-server',
        ['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
        { stdio: 'ignore' },
      ),
    );
    await waitFor(() => redisAnswers('127.0.0.1', masterPort), 'redis-server');
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\n` +
        `sentinel monitor dmbtest 127.0.0.1 ${masterPort} 1\n`,
    );
    children.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitFor(() => redisAnswers('127.0.0.1', sentinelPort), 'redis-sentinel');

    f = await startApi({
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`,
      REDIS_SENTINEL_NAME: 'dmbtest',
    } as unknown as Record<string, string>);
  }, 30000);

  afterAll(async () => {
    await f?.close();
    for (const child of children.reverse()) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job through BullMQ with every key on the master the sentinel names', async () => {
    const dm = new LoopbackFleet(f.core, 'omadm');
    f.core.drivers.register(dm);
    const created = await f.call('POST', '/v1/devices', {
      id: 'hs-1',
      protocol: 'omadm',
      addressing: { msisdn: '+491700000001' },
    });
    expect(created.status).toBe(201);
    const res = await f.call('POST', '/v1/jobs?wait=10', {
      deviceId: 'hs-1',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('succeeded');

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
