import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { GatewayProcess, newDeployment } from '../support/processes';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRedisClient,
  uniquePrefix,
} from '../support/redis';
import { addDmDevice } from '../gateway/support/dm-device';
import { startGateway } from '../gateway/support/start-gateway';

/**
 * Session state lives in Redis only: two gateway OS processes take turns serving one session of
 * a job woken by SMS (the production path: REST job, core, wake-up, package #0, SyncML session).
 */
describe('OMA DM: any gateway process serves any message', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'dmb-dm2gw-'));
  const deployment = newDeployment(TEST_REDIS_URL, uniquePrefix('dm2gw'));
  let smsc: SimulatedSmsc;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    const gateway = (name: string) =>
      startGateway(
        new GatewayProcess({
          name,
          deployment,
          logDir,
          env: { SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`, SMPP_LEASE_TTL_MS: '1000' },
        }),
      );
    [a, b] = await Promise.all([gateway('a'), gateway('b')]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await smsc.stop();
    const redis = testRedisClient();
    await deleteKeysWithPrefix(redis, deployment.prefix);
    await redis.quit();
  }, 30_000);

  it('alternates messages between two gateways, results are complete and in order', async () => {
    const served = { a: 0, b: 0 };
    let n = 0;
    const device = await addDmDevice(a.api, smsc, 1, {
      serverUrl: `http://127.0.0.1:${a.devicePort}/dm`,
      maxMsgSize: 1200,
      route: (m) => {
        const to = n++ % 2 ? b : a;
        served[to === a ? 'a' : 'b']++;
        const url = new URL(m.url);
        return { ...m, url: `http://127.0.0.1:${to.devicePort}${url.pathname}${url.search}` };
      },
    });
    const values = Array.from({ length: 12 }, (_, i) => `h${i}.${'x'.repeat(80)}.example`);
    const job = await a.api.ok('POST', '/v1/jobs', {
      deviceId: device.id,
      operations: values.map((value) => ({
        op: 'set',
        path: 'omadm:./Vendor/dmbridge/sip/Registrar',
        value,
      })),
    });
    const session = await new Promise<unknown>((done, fail) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (device.handset.lastSession) {
          clearInterval(poll);
          device.handset.lastSession.then(done, fail);
        } else if (Date.now() - started > 20_000) {
          clearInterval(poll);
          fail(new Error('no session within 20 s'));
        }
      }, 20);
    });
    expect(session).toMatchObject({ initiator: 'server', ended: 'completed' });
    expect(served.a).toBeGreaterThan(1);
    expect(served.b).toBeGreaterThan(1);
    const stored = await b.api.ok('GET', `/v1/jobs/${job.id}`);
    expect(stored.state).toBe('succeeded');
    expect(stored.results).toEqual(values.map(() => ({ status: 'ok', code: 200 })));
    expect(device.handset.tree.get('./Vendor/dmbridge/sip/Registrar').value).toBe(values[11]);
  }, 60_000);
});
