import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import {
  GatewayProcess,
  newDeployment,
  RedisAofProcess,
  waitFor,
  type Deployment,
  type GatewayRole,
} from '../support/processes';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRedisClient,
  uniquePrefix,
} from '../support/redis';
import { addDmDevice, setVolumeJob } from './support/dm-device';
import { HoldingProxy } from './support/holding-proxy';
import { startGateway } from './support/start-gateway';

const GRACE_MS = 8000;
const OTHERS = 12;

/** The gateway's own log lines (JSON) since its last start, and anything that is not JSON. */
function logOf(g: GatewayProcess): { json: Array<Record<string, any>>; other: string[] } {
  const text = readFileSync(g.logFile, 'utf8');
  const json: Array<Record<string, any>> = [];
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, any>;
      if (!parsed.harness) json.push(parsed);
    } catch {
      other.push(line);
    }
  }
  return { json, other };
}

/**
 * SIGTERM on a gateway OS process (issue 10, invariant 6): wake-ups and SMS stop at once, a
 * device session under way finishes through the still-open device listener, and the process is
 * gone within SHUTDOWN_GRACE_MS, even with its Redis killed beforehand.
 */
describe('SIGTERM (gateway OS process)', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'dmb-sigterm-'));
  const processes: GatewayProcess[] = [];
  const prefixes: string[] = [];
  let smsc: SimulatedSmsc;
  let redis: RedisAofProcess | undefined;

  const gateway = (
    name: string,
    deployment: Deployment,
    env: Record<string, string>,
    role: GatewayRole = 'all',
  ) => {
    const g = new GatewayProcess({
      name,
      role,
      deployment,
      logDir,
      env: {
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        SHUTDOWN_DRAIN_QUIET_MS: '1000',
        WAKE_BACKOFF_BASE_MS: '60000',
        ...env,
      },
    });
    processes.push(g);
    return g;
  };

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await smsc.stop();
    await redis?.stop('SIGKILL');
    const r = testRedisClient();
    for (const p of prefixes) await deleteKeysWithPrefix(r, p);
    await r.quit();
  }, 30_000);

  it('sends no SMS after SIGTERM, lets the session under way finish, exits within the grace period', async () => {
    const deployment = newDeployment(TEST_REDIS_URL, uniquePrefix('sigterm'));
    prefixes.push(deployment.prefix);
    // two SMS a second: wake-ups are still queued at the SMSC bind when the signal comes
    const gw = await startGateway(
      gateway('all', deployment, { SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim&rate=2` }),
    );
    // the session's messages go through a proxy that holds the second one until after SIGTERM
    const proxy = new HoldingProxy({ host: '127.0.0.1', port: gw.devicePort }, 2);
    await proxy.start();
    const device = await addDmDevice(gw.api, smsc, 1, {
      serverUrl: `${proxy.url}/dm`,
      route: (m) => ({ ...m, url: proxy.url + new URL(m.url).pathname + new URL(m.url).search }),
    });
    const others: string[] = [];
    for (let i = 0; i < OTHERS; i++) {
      const other = await addDmDevice(gw.api, smsc, 100 + i, {
        serverUrl: `${proxy.url}/dm`,
        reachable: false,
      });
      others.push(other.id);
    }

    const job = await gw.api.ok('POST', '/v1/jobs', setVolumeJob(device, '5'));
    await proxy.nth(1); // the handset got its package #0 and opened the session
    for (const id of others)
      await gw.api.ok('POST', '/v1/jobs', {
        deviceId: id,
        operations: [{ op: 'get', path: 'omadm:./DevInfo/Mod' }],
      });
    // the wake-ups are going out: right after one arrives (the next is 500 ms away), SIGTERM
    const before = smsc.received.length;
    await waitFor(async () => smsc.received.length >= before + 2, 'wake-up SMS flowing', 10_000);
    const submitted = await new Promise<number>((done) => {
      const at = smsc.received.length;
      const poll = setInterval(() => {
        if (smsc.received.length > at) {
          clearInterval(poll);
          done(smsc.received.length);
        }
      }, 2);
    });
    const signalled = Date.now();
    const exited = gw.exited()!;
    process.kill(gw.pid!, 'SIGTERM');
    // the device sends the rest of its session once the gateway is shutting down
    await new Promise((r) => setTimeout(r, 300));
    proxy.release();
    const exit = await exited;
    const elapsed = Date.now() - signalled;

    expect(submitted).toBeLessThan(OTHERS + 1); // wake-ups were still to be sent
    expect(smsc.received.length).toBe(submitted);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(GRACE_MS);
    expect(await device.handset.lastSession).toMatchObject({
      initiator: 'server',
      ended: 'completed',
    });
    expect(proxy.requests).toBeGreaterThanOrEqual(2);
    expect(device.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('5');
    const log = logOf(gw);
    expect(log.other).toEqual([]);
    const msgs = log.json.filter((l) => l.context === 'Shutdown').map((l) => l.msg);
    expect(msgs).toEqual([
      'shutting down: no new wake-ups, fan-out or SMS',
      'device sessions drained',
      'shutdown complete',
    ]);
    await proxy.stop();

    // the session's result is stored: another process (api role) reads the job succeeded
    const reader = await startGateway(gateway('reader', deployment, {}, 'api'));
    const stored = await reader.api.ok('GET', `/v1/jobs/${job.id}`);
    expect(stored).toMatchObject({ state: 'succeeded', results: [{ status: 'ok', code: 200 }] });
    await reader.stop('SIGTERM');
  }, 90_000);

  it('with its Redis killed, exits within the grace period and says so in one log line', async () => {
    redis = await new RedisAofProcess(logDir).start();
    const deployment = newDeployment(redis.url, 'dmb:');
    const gw = await startGateway(
      gateway('no-redis', deployment, {
        SHUTDOWN_GRACE_MS: '3000',
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim2`,
      }),
    );
    await redis.stop('SIGKILL');
    await waitFor(
      async () => logOf(gw).json.some((l) => /^Redis connection lost/.test(l.msg)),
      'the outage is logged',
      10_000,
    );
    await new Promise((r) => setTimeout(r, 1000)); // reconnect attempts pile up meanwhile
    const signalled = Date.now();
    const exit = await gw.stop('SIGTERM');
    const elapsed = Date.now() - signalled;

    expect(elapsed).toBeLessThan(3000);
    expect(exit?.signal).toBeNull();
    const log = logOf(gw);
    expect(log.other).toEqual([]); // no "[ioredis] Unhandled error event", no stacks
    const redisLines = log.json.filter((l) => l.context === 'Redis').map((l) => l.msg);
    expect(redisLines).toEqual([
      'Redis connection lost: retrying (further errors are not logged until it is back)',
      'Redis unavailable during shutdown: closing without it',
    ]);
  }, 60_000);
  it('with its SMSC not answering, exits within the grace period and sends nothing more', async () => {
    const silent = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await silent.start();
    try {
      silent.stall(true); // submit_sm recorded, never answered: the bind's window stays full
      const deployment = newDeployment(TEST_REDIS_URL, uniquePrefix('sigterm-smsc'));
      prefixes.push(deployment.prefix);
      const gw = await startGateway(
        gateway('smsc-stalled', deployment, {
          SHUTDOWN_GRACE_MS: '3000',
          SMPP_BINDS: `${silent.url('gw', 'pw')}?id=stalled&window=2`,
        }),
      );
      for (let i = 0; i < 4; i++) {
        const d = await addDmDevice(gw.api, silent, 200 + i, {
          serverUrl: `http://127.0.0.1:${gw.devicePort}/dm`,
          reachable: false,
        });
        await gw.api.ok('POST', '/v1/jobs', setVolumeJob(d, String(i)));
      }
      // the window (2) is full and unanswered; the other two wait in the bind
      await waitFor(async () => silent.received.length === 2, 'two submits unanswered', 10_000);
      const signalled = Date.now();
      const exit = await gw.stop('SIGTERM');
      const elapsed = Date.now() - signalled;

      expect(elapsed).toBeLessThan(3000);
      expect(exit?.signal).toBeNull();
      expect(silent.received.length).toBe(2);
      expect(logOf(gw).other).toEqual([]);
    } finally {
      await silent.stop();
    }
  }, 60_000);
});
