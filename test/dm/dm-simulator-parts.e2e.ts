import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSmscPart } from '../../apps/simulator/src/smsc/smsc.part';
import { startDmHandsetPart } from '../../apps/simulator/src/dm-handset/dm-handset.part';
import { dmClientFor } from '../../apps/simulator/src/dm-handset/dm-client-registry';
import { ApiFixture, dropPrefix, startApi } from '../api/api-fixture';

/**
 * The stand-alone simulator's DM handsets as a new user would run them (issue 11): the SMSC part
 * and the DM handset part from their env settings, one handset with both halves (its SMS side
 * checks the package #0 digest with the client's nonces and starts its session), a job through
 * the production path, no client polling (SIM_DM_INTERVAL_MS unset), the default catalog's
 * parameter set on the handset.
 */
describe('stand-alone simulator: a DM job completes through SIM_HANDSETS + SIM_DM_HANDSETS', () => {
  let f: ApiFixture;
  const stops: (() => Promise<void>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dmb-sim-'));
  const port = 20000 + Math.floor(Math.random() * 40000);
  const serverNonce = randomBytes(16).toString('base64');
  const clientNonce = randomBytes(16).toString('base64');

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'handsets.json'),
      JSON.stringify([
        { type: 'dm', msisdn: '491701110001', serverId: 'gw.example', serverPassword: 'srv-pw' },
      ]),
    );
    const smsc = await startSmscPart({
      SIM_SMSC_HOST: '127.0.0.1',
      SIM_SMSC_PORT: String(port),
      SIM_SMSC_ACCOUNTS: 'gw:pw',
      SIM_HANDSETS: join(dir, 'handsets.json'),
    });
    stops.push(() => smsc.stop());
    f = await startApi({ SMPP_BINDS: `smpp://gw:pw@127.0.0.1:${port}?id=sim` });
    writeFileSync(
      join(dir, 'dm-handsets.json'),
      JSON.stringify([
        {
          devId: 'IMEI:356000000000001',
          msisdn: '+491701110001',
          serverId: 'gw.example',
          serverPassword: 'srv-pw',
          clientName: 'dev1',
          clientPassword: 'dev-pw',
          clientAuth: 'md5',
          serverAuth: 'md5',
          encoding: 'wbxml',
          nonces: { server: serverNonce, client: clientNonce },
        },
      ]),
    );
    const dm = await startDmHandsetPart({
      SIM_DM_SERVER_URL: `${f.gw.deviceUrl}/dm`,
      SIM_DM_HANDSETS: join(dir, 'dm-handsets.json'),
      SIM_DM_CONTACT_AT_START: 'false',
    });
    stops.push(() => dm.stop());
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await f?.close();
    await dropPrefix(f.prefix);
  });

  it('sets sip.registrar (./Vendor/SIP/Registrar) on the simulated handset', async () => {
    const created = await f.call('POST', '/v1/devices', {
      id: 'sim-dm-1',
      protocol: 'omadm',
      addressing: {
        msisdn: '+491701110001',
        devId: 'IMEI:356000000000001',
        serverId: 'gw.example',
        authScheme: 'md5',
      },
      credentials: {
        clientUsername: 'dev1',
        clientPassword: 'dev-pw',
        serverPassword: 'srv-pw',
        serverNonce,
        clientNonce,
      },
    });
    expect(created.status).toBe(201);
    const res = await f.call('POST', '/v1/jobs?wait=20', {
      deviceId: 'sim-dm-1',
      operations: [{ op: 'set', path: 'sip.registrar', value: 'sip.customer.example' }],
    });
    expect(res.body).toMatchObject({ state: 'succeeded', results: [{ status: 'ok', code: 200 }] });
    const h = dmClientFor('491701110001')!;
    expect(h.tree.get('./Vendor/SIP/Registrar').value).toBe('sip.customer.example');
    // the job ends with the handset's results; its session ends with the server's last answer
    for (let i = 0; i < 100 && h.sessions.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(h.sessions).toMatchObject([{ initiator: 'server', ended: 'completed' }]);
  });
});
