import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { GatewayProcess, newDeployment, waitFor } from '../support/processes';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRedisClient,
  uniquePrefix,
} from '../support/redis';
import { startGateway } from '../gateway/support/start-gateway';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BindView {
  owner: 'this' | 'other' | 'none';
  connection?: { state: string };
}

/** The bind as one gateway process sees it (its /readyz names the owner: this process or another). */
async function bindOf(g: GatewayProcess): Promise<BindView> {
  const res = await fetch(`${g.apiUrl}/readyz`);
  const body = (await res.json()) as { checks: { smpp: { detail: BindView[] } } };
  return body.checks.smpp.detail[0];
}

/**
 * Two gateway OS processes on one Redis and one SMSC: one bind owner at a time, CP jobs created
 * through either go out through the owner, and the other takes over when the owner is stopped.
 */
describe('two gateways sharing one bind', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'dmb-smsfo-'));
  const deployment = newDeployment(TEST_REDIS_URL, uniquePrefix('smsfo'));
  let smsc: SimulatedSmsc;
  const gateways: GatewayProcess[] = [];

  const start = (name: string) => {
    const g = new GatewayProcess({
      name,
      deployment,
      logDir,
      env: { SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=shared`, SMPP_LEASE_TTL_MS: '1000' },
    });
    gateways.push(g);
    return startGateway(g);
  };
  const cpJob = async (g: GatewayProcess, handset: OmaCpHandset, imsi: string) => {
    await g.api.ok('POST', '/v1/devices', {
      id: `cp-${handset.msisdn}`,
      protocol: 'omacp',
      addressing: { msisdn: `+${handset.msisdn}`, imsi, pinPolicy: 'netwpin' },
    });
    return g.api.ok('POST', '/v1/jobs', {
      deviceId: `cp-${handset.msisdn}`,
      operations: [{ op: 'set', path: 'network.apn', value: `apn-${handset.msisdn}` }],
    });
  };

  beforeAll(async () => {
    smsc = new SimulatedSmsc();
    await smsc.start();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGTERM')));
    await smsc.stop();
    const redis = testRedisClient();
    await deleteKeysWithPrefix(redis, deployment.prefix);
    await redis.quit();
  }, 30_000);

  it('only the owner binds; jobs created anywhere go out; the other takes over after a stop', async () => {
    const a = await start('a');
    await waitFor(async () => (await bindOf(a)).connection?.state === 'bound', 'a binds', 10_000);
    const b = await start('b');
    await sleep(400);
    expect((await bindOf(a)).owner).toBe('this');
    expect((await bindOf(b)).owner).toBe('other');
    expect(smsc.boundCount).toBe(1);

    // Created through B, sent by A (the owner): the queue is per bind, not per process.
    const h1 = new OmaCpHandset({ msisdn: '491706000001', imsi: '262019000000001' });
    smsc.addHandset(h1);
    await cpJob(b, h1, '262019000000001');
    await h1.waitForDocuments(1, 10_000);

    const exit = await a.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await waitFor(
      async () => {
        const seen = await bindOf(b);
        return seen.owner === 'this' && seen.connection?.state === 'bound';
      },
      'b takes the bind over',
      10_000,
    );

    const h2 = new OmaCpHandset({ msisdn: '491706000002', imsi: '262019000000002' });
    smsc.addHandset(h2);
    await cpJob(b, h2, '262019000000002');
    await h2.waitForDocuments(1, 10_000);
    expect(h1.documents).toHaveLength(1);
    expect(smsc.boundCount).toBe(2); // binds in all: A's, then B's
  }, 60_000);
});
