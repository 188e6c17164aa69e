import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startGateway, RunningGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import { createTestRedis, testRedisEnv } from '../support/redis';

const CP_WBXML = readFileSync(
  resolve(__dirname, '../../../shared/vectors/cp_bootstrap.nostrtbl.wbxml'),
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two gateway processes on one Redis and one SMSC: one bind owner at a time, handover on stop. */
describe('two gateways sharing one bind', () => {
  let smsc: SimulatedSmsc;
  let a: RunningGateway | undefined;
  let b: RunningGateway | undefined;
  // the test's own prefix (hash-tagged on a cluster); cleanup() deletes its keys
  const t = createTestRedis('smsfo');

  const start = () =>
    startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: t.prefix,
        SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=shared`,
        SMPP_LEASE_TTL_MS: '1000',
      },
      logger: false,
    });

  beforeAll(async () => {
    smsc = new SimulatedSmsc();
    await smsc.start();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smsc.stop();
    await t.cleanup();
  });

  it('only the owner binds; pushes queued anywhere go out; the other takes over after a stop', async () => {
    a = await start();
    const smsA = a.app.get(SmsService);
    for (let i = 0; i < 200 && !smsA.transport.owned('shared')?.isBound(); i++) await sleep(10);
    b = await start();
    const smsB = b.app.get(SmsService);
    await sleep(400);
    expect(smsA.transport.owned('shared')?.isBound()).toBe(true);
    expect(smsB.transport.owned('shared')).toBeUndefined();
    expect(smsc.boundCount).toBe(1);

    const h1 = new OmaCpHandset({ msisdn: '491706000001', pin: '1234' });
    smsc.addHandset(h1);
    // Queued through B, sent by A (the owner): the queue is per bind, not per process.
    await smsB.enqueueCpPush({
      pushId: 'fo-1',
      jobId: 'j',
      to: h1.msisdn,
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
    });
    await h1.waitForDocuments(1);

    await a.close();
    a = undefined;
    for (let i = 0; i < 300 && !smsB.transport.owned('shared')?.isBound(); i++) await sleep(10);
    expect(smsB.transport.owned('shared')?.isBound()).toBe(true);

    const h2 = new OmaCpHandset({ msisdn: '491706000002', pin: '1234' });
    smsc.addHandset(h2);
    await smsB.enqueueCpPush({
      pushId: 'fo-2',
      jobId: 'j',
      to: h2.msisdn,
      wbxml: CP_WBXML,
      sec: 'USERPIN',
      pin: '1234',
    });
    await h2.waitForDocuments(1);
    expect(h1.documents).toHaveLength(1);
  });
});
