import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningGateway, startGateway } from '../../apps/gateway/src/bootstrap';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import {
  deleteKeysWithPrefix,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../support/redis';

const ADMIN = `dmb_bindenv_${randomBytes(8).toString('hex')}`;

/**
 * SMPP_BINDS seeds the stored binds at every start: env wins for the settings of the binds it
 * names, an operator's pause survives a restart, binds made over the API stay, and a bind made
 * from the environment goes when the environment no longer names it.
 */
describe('SMPP_BINDS seeds /v1/smsc-binds', () => {
  const prefix = uniquePrefix('bindenv');
  const masterKey = randomBytes(32).toString('hex');
  let smsc: SimulatedSmsc;
  let gw: RunningGateway | undefined;

  const start = (binds: string) =>
    startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: prefix,
        VAR_DIR: mkdtempSync(join(tmpdir(), 'dmb-bindenv-')),
        DMB_MASTER_KEY: masterKey,
        DMB_ADMIN_API_KEY: ADMIN,
        SMPP_BINDS: binds,
        SMPP_LEASE_TTL_MS: '1000',
      },
      logger: false,
    });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw!.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(text).not.toContain('env-pw');
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const ids = async () => (await call('GET', '/v1/smsc-binds')).body.items.map((b: any) => b.id);

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'env-pw' } });
    await smsc.start();
  });
  afterAll(async () => {
    await gw?.close();
    await smsc.stop();
    const r = testRedisClient();
    await deleteKeysWithPrefix(r, prefix);
    await r.quit();
  });

  it('env wins for its binds at each start; pauses and API binds survive; dropped env binds go', async () => {
    gw = await start(`${smsc.url('gw', 'env-pw')}?id=envb&window=4`);
    const first = await call('GET', '/v1/smsc-binds/envb');
    expect(first.body).toMatchObject({ id: 'envb', origin: 'env', window: 4, paused: false });
    expect(first.body.url).toContain('gw:********@');

    expect((await call('POST', '/v1/smsc-binds/envb/pause')).body.paused).toBe(true);
    expect(
      (
        await call('PATCH', '/v1/smsc-binds/envb', {
          url: `${smsc.url('gw', 'env-pw')}?id=envb&window=9`,
        })
      ).body.window,
    ).toBe(9);
    const made = await call('POST', '/v1/smsc-binds', {
      id: 'apib',
      url: smsc.url('gw', 'env-pw'),
      paused: true,
    });
    expect(made.status).toBe(201);
    await gw.close();

    gw = await start(`${smsc.url('gw', 'env-pw')}?id=envb&window=5`);
    const again = await call('GET', '/v1/smsc-binds/envb');
    expect(again.body).toMatchObject({ origin: 'env', window: 5, paused: true });
    expect(await ids()).toEqual(['envb', 'apib']);
    await gw.close();

    gw = await start(`${smsc.url('gw', 'env-pw')}?id=other`);
    expect(await ids()).toEqual(['apib', 'other']);
    expect((await call('GET', '/v1/smsc-binds/envb')).status).toBe(404);
  });
});
