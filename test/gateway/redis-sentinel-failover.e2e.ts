import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ApiFixture, startApi, until } from '../api/api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from '../api/phone-fleet';
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis';
import { freePort, redisCall, RedisProcesses, waitFor } from '../support/redis-processes';

// Not on the cluster run: it brings its own master, replica and sentinel and never touches the test Redis.
const describeSentinel = TEST_REDIS_CLUSTER_NODES ? describe.skip : describe;

const NAME = 'dmbfailover';

function infoField(info: unknown, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(String(info))?.[1]?.trim();
}

async function keysContaining(port: number, needle: string): Promise<string[]> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `*${needle}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    r.disconnect();
  }
}

/**
 * A master, one replica (`--replicaof`) and one sentinel (quorum 1). The gateway finds the master
 * through the sentinel; `SENTINEL FAILOVER` promotes the replica while the gateway runs, and the
 * gateway has to carry on against the new master.
 */
describeSentinel('gateway across a Redis Sentinel failover', () => {
  const procs = new RedisProcesses();
  let dir: string;
  let masterPort: number;
  let replicaPort: number;
  let sentinelPort: number;
  let f: ApiFixture | undefined;
  let fleet: PhoneFleet;
  let contacts = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmb-failover-'));
    [masterPort, replicaPort, sentinelPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const server = (port: number, ...extra: string[]) => {
      const data = join(dir, String(port));
      mkdirSync(data);
      procs.spawn([
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        data,
        // the first full sync goes out at once instead of after the default 5 s
        '--repl-diskless-sync-delay',
        '0',
        ...extra,
      ]);
    };
    server(masterPort);
    await waitFor(async () => (await redisCall(masterPort, 'PING')) === 'PONG', 'master');
    server(replicaPort, '--replicaof', '127.0.0.1', String(masterPort));
    await waitFor(
      async () =>
        infoField(await redisCall(replicaPort, 'INFO', 'replication'), 'master_link_status') ===
        'up',
      'replica in sync',
    );

    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        '',
      ].join('\n'),
    );
    procs.spawn([conf, '--sentinel']);
    await waitFor(async () => (await redisCall(sentinelPort, 'PING')) === 'PONG', 'sentinel');
    // Sentinel's own timers (Redis >= 7.0): INFO every 10 s and an 8 s grace before it turns the
    // old master into a replica would make this test wait ~20 s; same steps, shorter periods.
    await redisCall(sentinelPort, 'SENTINEL', 'DEBUG', 'info-period', 300, 'publish-period', 300);
    // SENTINEL FAILOVER needs a replica the sentinel knows and considers healthy
    await waitFor(async () => {
      const replicas = (await redisCall(sentinelPort, 'SENTINEL', 'REPLICAS', NAME)) as string[][];
      return replicas.some((r) => {
        const o = Object.fromEntries(
          r.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])) as [string, string][],
        );
        return (
          o.port === String(replicaPort) && o.flags === 'slave' && o['master-link-status'] === 'ok'
        );
      });
    }, 'sentinel sees the replica');

    f = await startApi({
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`,
      REDIS_SENTINEL_NAME: NAME,
      ...PHONE_FLEET_ENV,
    } as unknown as Record<string, string>);
    fleet = new PhoneFleet(f);
  }, 20000);

  afterAll(async () => {
    await fleet?.stop();
    await f?.close();
    await procs.killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('promotes the replica; /readyz recovers, old jobs stay readable and new jobs finish', async () => {
    const api = f!;
    // a simulated OpenStage phone: contact-me wake-up, a Workpoint session, results
    const [phone] = await fleet.add(['fo-1']);
    phone.on('contact-me', () => contacts++);
    const before = await api.call('POST', '/v1/jobs?wait=10', {
      deviceId: 'fo-1',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    expect(before.status).toBe(200);
    expect(before.body.state).toBe('succeeded');

    // Replication is asynchronous: make sure the replica has everything written so far (one write
    // of ours after the gateway's, acknowledged by the replica, covers all earlier ones).
    const master = new Redis(masterPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      await master.set('failover-test:marker', '1');
      expect(await master.call('WAIT', '1', '2000')).toBe(1);
    } finally {
      master.disconnect();
    }
    expect(await keysContaining(replicaPort, before.body.id)).not.toEqual([]);

    expect(await redisCall(sentinelPort, 'SENTINEL', 'FAILOVER', NAME)).toBe('OK');
    await waitFor(
      async () => {
        const addr = (await redisCall(
          sentinelPort,
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          NAME,
        )) as string[];
        return addr?.[1] === String(replicaPort);
      },
      'sentinel names the replica as master',
      15000,
    );
    expect(infoField(await redisCall(replicaPort, 'INFO', 'replication'), 'role')).toBe('master');
    // The gateway's connections move when the sentinel turns the old master into a replica
    // (it kills their clients and ioredis asks the sentinel again); until then they write to it.
    await waitFor(
      async () => infoField(await redisCall(masterPort, 'INFO', 'replication'), 'role') === 'slave',
      'old master demoted',
      15000,
    );

    const ready = await until(
      async () => {
        const res = await fetch(`${api.gw.apiUrl}/readyz`).catch(() => undefined);
        return res ? { status: res.status, body: (await res.json()) as any } : undefined;
      },
      (r) => r?.status === 200,
      10000,
    );
    expect(ready!.body.checks.redis).toEqual({ ok: true });

    const old = await api.call('GET', `/v1/jobs/${before.body.id}`);
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ id: before.body.id, state: 'succeeded' });

    const after = await api.call('POST', '/v1/jobs?wait=10', {
      deviceId: 'fo-1',
      operations: [{ op: 'get', path: 'firmware.version' }],
    });
    expect(after.status).toBe(200);
    expect(after.body.state).toBe('succeeded');
    // one wake-up each, and the phone was asked to call twice
    for (const job of [before.body, after.body])
      expect(job.attempts.map((a: any) => a.outcome)).toEqual(['sent']);
    expect(contacts).toBe(2);
    // written to the promoted replica, i.e. the gateway really follows the new master
    expect(await keysContaining(replicaPort, after.body.id)).not.toEqual([]);
  }, 30000);
});
