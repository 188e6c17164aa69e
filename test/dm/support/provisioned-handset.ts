import {
  DmHandset,
  type DmHandsetOptions,
} from '../../../apps/simulator/src/dm-handset/dm-handset';
import type { DmGateway } from './gateway';

export interface HandsetAccount {
  /** what the server expects from the handset (defaults to md5, or the handset's own scheme) */
  accountAuth?: 'basic' | 'md5' | 'hmac';
  serverAuth?: 'none' | 'md5' | 'hmac';
}

/**
 * Stores the DM account the gateway authenticates a handset with (client `dev`/`devpass`,
 * server `gw.example`/`secret`).
 */
async function saveTestAccount(
  g: DmGateway,
  devId: string,
  o: HandsetAccount & { clientAuth?: DmHandsetOptions['clientAuth'] } = {},
): Promise<void> {
  const clientAuth = o.clientAuth ?? 'md5';
  await g.store.saveAccount({
    deviceId: devId,
    clientAuth: o.accountAuth ?? (clientAuth === 'none' ? 'md5' : clientAuth),
    clientName: 'dev',
    clientPassword: 'devpass',
    clientNonce: '',
    serverAuth: o.serverAuth ?? 'none',
    serverName: 'gw.example',
    serverPassword: 'secret',
    serverNonce: '',
  });
}

/** A simulated handset with the account above stored at the gateway. */
export async function provisionedHandset(
  g: DmGateway,
  devId: string,
  o: Partial<DmHandsetOptions> & HandsetAccount = {},
): Promise<DmHandset> {
  const clientAuth = o.clientAuth ?? 'md5';
  await saveTestAccount(g, devId, { ...o, clientAuth });
  return new DmHandset({
    devId,
    serverUrl: g.dmUrl,
    serverId: 'gw.example',
    serverPassword: 'secret',
    clientName: 'dev',
    clientPassword: 'devpass',
    clientAuth,
    serverAuth: o.serverAuth ?? 'none',
    ...o,
  });
}

/** Runs package 1 and leaves the session open: the handset drops out before package 3. */
export async function abandonAfterPackage1(h: DmHandset): Promise<void> {
  let n = 0;
  await expect(
    h.runSession({
      transform: (m) => {
        if (++n === 2) throw new Error('gone');
        return m;
      },
    }),
  ).rejects.toThrow('gone');
}
