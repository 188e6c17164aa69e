import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../apps/cli/src/commands/push.command';
import { RunningGateway, startGateway } from '../../apps/gateway/src/bootstrap';
import { SmsService } from '../../apps/gateway/src/sms/sms.service';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import {
  deleteKeysWithPrefix,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../support/redis';

const CP_XML = resolve(__dirname, '../../../shared/vectors/cp_bootstrap.xml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await run(argv, { stdout, stderr });
  return { code, out, err };
}

/**
 * `dm-bridge push cp --wait-receipt` while a gateway is bound to the same SMSC: the simulated
 * SMSC, like an operator's, hands a receipt to a receiver bound with the system_id that
 * submitted — the gateway's session when it has the same system_id. With the same system_id the
 * CLI alone never sees its receipts (and says why); with --gateway-redis it reads the ones the
 * gateway parked; with a dedicated system_id it gets them on its own session.
 */
(TEST_REDIS_CLUSTER_NODES ? describe.skip : describe)(
  'push --wait-receipt beside a gateway',
  () => {
    const prefix = uniquePrefix('pushgw');
    let smsc: SimulatedSmsc;
    let gw: RunningGateway;
    const h = new OmaCpHandset({ msisdn: '491707770001', imsi: '262019876543210' });
    const push = (systemId: string, password: string, ...extra: string[]) =>
      cli([
        'cp',
        CP_XML,
        '--to',
        h.msisdn,
        '--sec',
        'NETWPIN',
        '--imsi',
        '262019876543210',
        '--smsc',
        smsc.url(systemId, password),
        '--wait-receipt',
        ...extra,
      ]);

    beforeAll(async () => {
      smsc = new SimulatedSmsc({ accounts: { gw: 'gw-pw-1', cli: 'cli-pw-2' } });
      await smsc.start();
      smsc.addHandset(h);
      gw = await startGateway({
        env: {
          API_PORT: '0',
          DEVICE_HTTP_PORT: '0',
          HOST: '127.0.0.1',
          ...testRedisEnv(),
          REDIS_PREFIX: prefix,
          VAR_DIR: mkdtempSync(join(tmpdir(), 'dmb-pushgw-')),
          DMB_MASTER_KEY: randomBytes(32).toString('hex'),
          DMB_ADMIN_API_KEY: `dmb_pushgw_${randomBytes(8).toString('hex')}`,
          SMPP_BINDS: `${smsc.url('gw', 'gw-pw-1')}?id=main`,
        },
        logger: false,
      });
      const sms = gw.app.get(SmsService);
      for (let i = 0; i < 300 && !sms.transport.owned('main')?.isBound(); i++) await sleep(10);
      expect(sms.transport.owned('main')?.isBound()).toBe(true);
    });
    afterAll(async () => {
      await gw?.close();
      await smsc.stop();
      const r = testRedisClient();
      await deleteKeysWithPrefix(r, prefix);
      await r.quit();
    });

    it('same system_id, CLI alone: the receipts go to the gateway; the CLI says why', async () => {
      const r = await push('gw', 'gw-pw-1', '--timeout', '1500');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/segment 4\/4: message id/);
      expect(r.err).toContain('use a dedicated system_id or --gateway-redis');
      expect(r.out + r.err).not.toContain('gw-pw-1');
    });

    it('same system_id with --gateway-redis: the receipts the gateway parked are read', async () => {
      const r = await push(
        'gw',
        'gw-pw-1',
        '--gateway-redis',
        TEST_REDIS_URL,
        '--gateway-prefix',
        prefix,
        '--timeout',
        '10000',
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('DELIVRD, DELIVRD, DELIVRD, DELIVRD -> delivered');
    });

    it('a dedicated system_id gets its own receipts, the gateway keeps its bind', async () => {
      const r = await push('cli', 'cli-pw-2', '--timeout', '10000');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('-> delivered');
      expect(gw.app.get(SmsService).transport.owned('main')?.isBound()).toBe(true);
      expect(h.documents.length).toBe(3);
    });
  },
);
