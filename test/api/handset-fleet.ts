import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import {
  DmHandset,
  dmClientTrigger,
  dmServerNonce,
} from '../../apps/simulator/src/dm-handset/dm-handset';
import type { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import type { ApiFixture } from './api-fixture';

const SERVER_NONCE = Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64');
const CLIENT_NONCE = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex').toString('base64');

/**
 * Simulated OMA DM handsets behind a test gateway, on the production path: core job → package #0
 * in a WAP push over SMPP → the simulated SMSC → the handset checks the digest and opens a DM
 * session on /dm → the DM engine serves the job → results. The gateway must bind to `smsc`.
 */
export class HandsetFleet {
  readonly handsets = new Map<string, DmHandset>();

  constructor(
    private readonly f: ApiFixture,
    private readonly smsc: SimulatedSmsc,
  ) {}

  /** Creates the devices (with their DM accounts) and their handsets; `msisdns[i]` is `ids[i]`'s. */
  async add(ids: string[], msisdns: string[], o: { tags?: string[] } = {}): Promise<void> {
    const rows = ids.map((id, i) => ({
      id,
      protocol: 'omadm',
      addressing: {
        msisdn: `+${msisdns[i]}`,
        devId: `IMEI:${msisdns[i]}`,
        serverId: 'gw.example',
        authScheme: 'md5',
      },
      credentials: {
        clientUsername: 'device1',
        clientPassword: 'dev-secret',
        serverPassword: 'srv-secret',
        serverNonce: SERVER_NONCE,
        clientNonce: CLIENT_NONCE,
      },
      ...(o.tags ? { tags: o.tags } : {}),
    }));
    const res = await this.f.call('POST', '/v1/devices/import', rows);
    if (res.body?.created !== ids.length)
      throw new Error(`device import: ${JSON.stringify(res.body)}`);
    ids.forEach((id, i) => {
      const handset = new DmHandset({
        devId: `IMEI:${msisdns[i]}`,
        serverUrl: `${this.f.gw.deviceUrl}/dm`,
        serverId: 'gw.example',
        serverPassword: 'srv-secret',
        clientName: 'device1',
        clientPassword: 'dev-secret',
        serverAuth: 'md5',
        clientAuth: 'md5',
        encoding: 'wbxml',
        nonces: { server: SERVER_NONCE, client: CLIENT_NONCE },
      });
      // the SIP settings the parameter catalog binds for OMA DM (./Vendor/SIP/…)
      handset.tree.set('./Vendor/SIP/Registrar', 'sip.old.example');
      this.smsc.addHandset(
        new OmaDmHandsetFront({
          msisdn: msisdns[i],
          serverId: 'gw.example',
          serverPassword: 'srv-secret',
          nonce: dmServerNonce(handset),
          onTrigger: dmClientTrigger(handset),
        }),
      );
      this.handsets.set(id, handset);
    });
  }
}
