import { mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { GatewayProcess, newDeployment, waitFor } from '../support/processes';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
  testRedisClient,
  uniquePrefix,
} from '../support/redis';

const PASSWORD = 'Zq8!pw4r';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The built gateway as two OS processes on one Redis (needs `npm run build`): a bind added over
 * one process's API is bound by exactly one of them and reported by both; pause and resume given
 * to one take effect in whichever owns the bind; the password is in no log line.
 */
(TEST_REDIS_CLUSTER_NODES ? describe.skip : describe)(
  '/v1/smsc-binds across two OS processes',
  () => {
    const prefix = uniquePrefix('bindproc');
    const logDir = mkdtempSync(join(tmpdir(), 'dmb-bindproc-'));
    const deployment = newDeployment(TEST_REDIS_URL, prefix);
    const env = {
      SMPP_LEASE_TTL_MS: '1000',
      SMPP_BINDS_POLL_MS: '200',
      SMPP_STATUS_MS: '200',
      SMPP_JOB_BACKOFF_MS: '50',
      CP_RECEIPT_POLL_MS: '100',
      CP_RECEIPT_WINDOW_MS: '3000',
    };
    const a = new GatewayProcess({ name: 'a', deployment, env, logDir });
    const b = new GatewayProcess({ name: 'b', deployment, env, logDir });
    const handset = new OmaCpHandset({ msisdn: '491708880001', imsi: '262019876500002' });
    let smsc: SimulatedSmsc;

    beforeAll(async () => {
      smsc = new SimulatedSmsc({ accounts: { gwp: PASSWORD } });
      await smsc.start();
      smsc.addHandset(handset);
      await Promise.all([a.start(), b.start()]);
    }, 90_000);
    afterAll(async () => {
      await Promise.all([a.stop(), b.stop()]);
      await smsc.stop();
      const r = testRedisClient();
      await deleteKeysWithPrefix(r, prefix);
      await r.quit();
    }, 60_000);

    it('add, job, pause and resume through different processes', async () => {
      const made = await a.api.call('POST', '/v1/smsc-binds', {
        id: 'proc',
        url: smsc.url('gwp', PASSWORD),
      });
      expect(made.status).toBe(201);
      const pids = [a.pid, b.pid].map((p) => `${hostname()}:${p}`);
      let owner = '';
      await waitFor(
        async () => {
          const r = await b.api.call('GET', '/v1/smsc-binds/proc');
          owner = r.body.status.owner;
          return r.body.status.bound === true;
        },
        'bind owned',
        10_000,
      );
      expect(pids).toContain(owner);
      expect(smsc.boundCount).toBe(1);
      expect((await a.api.call('GET', '/v1/smsc-binds/proc')).body.status.owner).toBe(owner);

      await b.api.ok('POST', '/v1/devices', {
        id: 'cp-proc',
        protocol: 'omacp',
        addressing: { msisdn: '+491708880001', imsi: '262019876500002', bind: 'proc' },
      });
      const job = await a.api.call('POST', '/v1/jobs?wait=15', {
        deviceId: 'cp-proc',
        operations: [{ op: 'set', path: 'network.apn', value: 'proc.one' }],
      });
      expect(job.body.state).toBe('succeeded');

      expect((await b.api.call('POST', '/v1/smsc-binds/proc/pause')).status).toBe(200);
      await waitFor(
        async () => (await a.api.call('GET', '/v1/smsc-binds/proc')).body.status.owner === null,
        'owner gone after pause',
        10_000,
      );
      const before = smsc.submitCount;
      const waiting = await b.api.call('POST', '/v1/jobs', {
        deviceId: 'cp-proc',
        operations: [{ op: 'set', path: 'network.apn', value: 'proc.two' }],
      });
      expect(waiting.status).toBe(202);
      await sleep(2000);
      expect(smsc.submitCount).toBe(before);
      expect(handset.documents).toHaveLength(1);

      expect((await a.api.call('POST', '/v1/smsc-binds/proc/resume')).status).toBe(200);
      const docs = await handset.waitForDocuments(2);
      expect(JSON.stringify(docs[1].document)).toContain('proc.two');
      await waitFor(
        async () =>
          (await b.api.call('GET', '/v1/smsc-binds/proc')).body.status.counters.receipts >= 2,
        'counters',
        10_000,
      );

      const logs = readFileSync(a.logFile, 'utf8') + readFileSync(b.logFile, 'utf8');
      expect(logs).toContain('proc (gwp@');
      expect(logs).not.toContain(PASSWORD);
    }, 60_000);
  },
);
