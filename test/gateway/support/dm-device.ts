import { OmaDmHandsetFront } from '../../../apps/simulator/src/handsets/oma-dm-handset';
import {
  DmHandset,
  dmClientTrigger,
  dmServerNonce,
} from '../../../apps/simulator/src/dm-handset/dm-handset';
import type { OutgoingMessage } from '../../../apps/simulator/src/dm-handset/dm-client-session';
import type { SimulatedSmsc } from '../../../apps/simulator/src/smsc/simulated-smsc';
import type { ApiClient } from '../../support/processes';

export interface DmDevice {
  id: string;
  msisdn: string;
  handset: DmHandset;
  front: OmaDmHandsetFront;
}

/**
 * One OMA DM handset on the simulated SMSC (its SMS side checks package #0, its DM client runs
 * the session) and the matching device in the gateway's API. `route` may send the session's
 * messages elsewhere (a proxy), keeping their query (the session id).
 */
export async function addDmDevice(
  api: ApiClient,
  smsc: SimulatedSmsc,
  n: number,
  opts: {
    serverUrl: string;
    route?: (m: OutgoingMessage) => OutgoingMessage;
    /** false: the handset is not on the SMSC (its SMS are acknowledged and go nowhere) */
    reachable?: boolean;
    maxMsgSize?: number;
  },
): Promise<DmDevice> {
  const id = `dm-${n}`;
  const msisdn = `4917055${String(n).padStart(5, '0')}`;
  const devId = `IMEI:35000000${String(n).padStart(7, '0')}`;
  const nonces = {
    server: Buffer.from(`server-nonce-${n}`).toString('base64'),
    client: Buffer.from(`client-nonce-${n}`).toString('base64'),
  };
  const handset = new DmHandset({
    devId,
    serverUrl: opts.serverUrl,
    serverId: 'gw.example',
    serverPassword: 'srv-secret',
    clientName: `device${n}`,
    clientPassword: 'dev-secret',
    serverAuth: 'md5',
    clientAuth: 'md5',
    nonces,
    maxMsgSize: opts.maxMsgSize,
  });
  if (opts.route) {
    const route = opts.route;
    const run = handset.runSession.bind(handset);
    handset.runSession = (o = {}) =>
      run({ ...o, transform: (m) => route(o.transform ? o.transform(m) : m) });
  }
  const front = new OmaDmHandsetFront({
    msisdn,
    serverId: 'gw.example',
    serverPassword: 'srv-secret',
    nonce: dmServerNonce(handset),
    onTrigger: dmClientTrigger(handset),
  });
  if (opts.reachable !== false) smsc.addHandset(front);
  await api.ok('POST', '/v1/devices', {
    id,
    protocol: 'omadm',
    addressing: { msisdn: `+${msisdn}`, devId, serverId: 'gw.example', authScheme: 'md5' },
    credentials: {
      clientUsername: `device${n}`,
      clientPassword: 'dev-secret',
      serverPassword: 'srv-secret',
      serverNonce: nonces.server,
      clientNonce: nonces.client,
    },
  });
  return { id, msisdn, handset, front };
}

/** A job that sets one node on the device. */
export function setVolumeJob(device: DmDevice, value: string): Record<string, unknown> {
  return {
    deviceId: device.id,
    operations: [{ op: 'set', path: 'omadm:./Vendor/dmbridge/Volume', value }],
  };
}
