import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { GatewayProcess, newDeployment, waitFor, type GatewayRole } from '../support/processes';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRedisClient,
  uniquePrefix,
} from '../support/redis';
import { bullWorkers } from './support/bull-workers';
import { addDmDevice, setVolumeJob } from './support/dm-device';
import { listeningPorts } from './support/listening-ports';
import { startGateway } from './support/start-gateway';

const QUEUES = ['wakeup', 'campaign-fanout', 'webhook', 'contact-me', 'sms-sim'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GATEWAY_ROLE as separate OS processes on one host and one Redis: `api` serves the API and the
 * devices and runs no worker, `worker` runs the workers and binds and opens no port, and together
 * they serve the fleet. Listening sockets are read from the kernel, workers from Redis.
 */
describe('gateway roles (OS processes)', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'dmb-roles-'));
  const deployment = newDeployment(TEST_REDIS_URL, uniquePrefix('roles'));
  const bullPrefix = `${deployment.prefix}bull`;
  const processes: GatewayProcess[] = [];
  let smsc: SimulatedSmsc;

  const gateway = (name: string, role: GatewayRole, env: Record<string, string> = {}) => {
    const g = new GatewayProcess({
      name,
      role,
      deployment,
      logDir,
      env: {
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
        SMPP_LEASE_TTL_MS: '1000',
        WAKE_BACKOFF_BASE_MS: '300',
        WAKE_BACKOFF_MAX_MS: '1000',
        SHUTDOWN_GRACE_MS: '3000',
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
    const redis = testRedisClient();
    await deleteKeysWithPrefix(redis, deployment.prefix);
    await redis.quit();
  }, 30_000);

  let api: GatewayProcess;

  it('an api process listens on the API, device and Workpoint ports and runs no worker, bind or sweep', async () => {
    api = await startGateway(gateway('api', 'api'));
    expect(listeningPorts(api.pid!)).toEqual(
      [api.apiPort, api.devicePort, api.workpointPort].sort((a, b) => a - b),
    );
    // a worker takes the bind's lease within a third of its TTL and creates its workers at once
    await sleep(1500);
    expect(smsc.boundCount).toBe(0);
    expect(await bullWorkers(TEST_REDIS_URL, bullPrefix, QUEUES)).toEqual({});
  }, 60_000);

  it('two worker processes with the same ports on one host both start and listen on nothing', async () => {
    const one = gateway('worker-1', 'worker');
    await one.start();
    const two = gateway('worker-2', 'worker');
    // the ports the first one was given (a worker must not open them: no EADDRINUSE)
    two.apiPort = one.apiPort;
    two.devicePort = one.devicePort;
    two.workpointPort = one.workpointPort;
    await two.start();
    expect(listeningPorts(one.pid!)).toEqual([]);
    expect(listeningPorts(two.pid!)).toEqual([]);
    // one bind owner among them; every worker queue has a consumer in each process
    await waitFor(async () => smsc.boundCount === 1, 'a worker binds', 10_000);
    await waitFor(
      async () => (await bullWorkers(TEST_REDIS_URL, bullPrefix, QUEUES))['sms-sim'] === 1,
      'the bind owner consumes its SMS queue',
      10_000,
    );
    expect(await bullWorkers(TEST_REDIS_URL, bullPrefix, QUEUES)).toEqual({
      wakeup: 2,
      'campaign-fanout': 2,
      webhook: 2,
      'contact-me': 2,
      'sms-sim': 1,
    });
    expect(smsc.boundCount).toBe(1);
  }, 60_000);

  it('the api process and the workers serve an OMA DM job end to end', async () => {
    const device = await addDmDevice(api.api, smsc, 1, {
      serverUrl: `http://127.0.0.1:${api.devicePort}/dm`,
    });
    const job = await api.api.call('POST', '/v1/jobs?wait=20', setVolumeJob(device, '9'));
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ state: 'succeeded', results: [{ status: 'ok', code: 200 }] });
    expect(device.handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('9');
    expect(await device.handset.lastSession).toMatchObject({
      initiator: 'server',
      ended: 'completed',
    });
  }, 60_000);

  it('a worker with HEALTH_PORT listens on that port only and answers /healthz and /readyz', async () => {
    const { freePort } = await import('../support/processes');
    const healthPort = await freePort();
    const w = await gateway('worker-health', 'worker', { HEALTH_PORT: String(healthPort) }).start();
    expect(listeningPorts(w.pid!)).toEqual([healthPort]);
    const live = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect({ status: live.status, body: await live.json() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      'worker /readyz',
      10_000,
    );
  }, 60_000);
});
