import { randomBytes } from 'node:crypto';
import {
  OmaDmHandsetFront,
  type OmaDmHandsetFrontOptions,
} from '../../../apps/simulator/src/handsets/oma-dm-handset';
import {
  DmHandset,
  dmClientTrigger,
  dmServerNonce,
  type DmHandsetOptions,
} from '../../../apps/simulator/src/dm-handset/dm-handset';
import { SimulatedSmsc } from '../../../apps/simulator/src/smsc/simulated-smsc';
import { DeviceHttpServer } from '../../../apps/gateway/src/device-http/device-http.server';
import { ApiFixture, dropPrefix, startApi } from '../../api/api-fixture';
import { CutProxy } from './cut-proxy';

/**
 * The production DM path (DM_OPERATION_SOURCE=core): REST devices and jobs, wake-ups as package
 * #0 over SMPP to the simulated SMSC, handsets that talk to /dm through a CutProxy (the gateway's
 * PUBLIC_BASE_URL, so every RespURI leads back through it).
 */
export interface CoreDmFixture {
  f: ApiFixture;
  smsc: SimulatedSmsc;
  proxy: CutProxy;
  close(): Promise<void>;
}

export async function startCoreDm(env: Record<string, string> = {}): Promise<CoreDmFixture> {
  const smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
  await smsc.start();
  const proxy = new CutProxy();
  const proxyUrl = await proxy.start();
  const f = await startApi({
    SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
    SMPP_JOB_BACKOFF_MS: '50',
    PUBLIC_BASE_URL: proxyUrl,
    ...env,
  });
  proxy.forwardTo(`http://127.0.0.1:${f.gw.app.get(DeviceHttpServer).port}`);
  return {
    f,
    smsc,
    proxy,
    async close() {
      await f.close();
      await proxy.stop();
      await smsc.stop();
      await dropPrefix(f.prefix);
    },
  };
}

export interface CoreDmDevice {
  id: string;
  handset: DmHandset;
  front: OmaDmHandsetFront;
}

/** A device registered over the API (md5 both ways) and its simulated handset at the SMSC. */
export async function addDmDevice(
  fx: CoreDmFixture,
  n: number,
  o: Partial<DmHandsetOptions> = {},
  front: Pick<OmaDmHandsetFrontOptions, 'nonceResync'> = {},
): Promise<CoreDmDevice> {
  const id = `dm-${n}`;
  const devId = `IMEI:4901542032${String(n).padStart(5, '0')}`;
  const msisdn = `4917012${String(n).padStart(5, '0')}`;
  // the nonces both sides start from (provisioned with the DM account, as CP bootstrap would)
  const serverNonce = randomBytes(16).toString('base64');
  const clientNonce = randomBytes(16).toString('base64');
  const handset = new DmHandset({
    devId,
    serverUrl: `${fx.f.gw.deviceUrl}/dm`,
    serverId: 'gw.example',
    serverPassword: 'srv-secret',
    clientName: 'device1',
    clientPassword: 'dev-secret',
    serverAuth: 'md5',
    clientAuth: 'md5',
    nonces: { server: serverNonce, client: clientNonce },
    ...o,
  });
  const handsetFront = new OmaDmHandsetFront({
    msisdn,
    serverId: 'gw.example',
    serverPassword: 'srv-secret',
    nonce: dmServerNonce(handset),
    onTrigger: dmClientTrigger(handset),
    ...front,
  });
  fx.smsc.addHandset(handsetFront);
  const created = await fx.f.call('POST', '/v1/devices', {
    id,
    protocol: 'omadm',
    addressing: { msisdn: `+${msisdn}`, devId, serverId: 'gw.example', authScheme: 'md5' },
    credentials: {
      clientUsername: 'device1',
      clientPassword: 'dev-secret',
      serverPassword: 'srv-secret',
      serverNonce,
      clientNonce,
    },
  });
  if (created.status !== 201)
    throw new Error(`device not created: ${JSON.stringify(created.body)}`);
  return { id, handset, front: handsetFront };
}
