import type { DmHandsetSpec } from './fleet-spec';

/**
 * One simulated DM handset's account, as both sides must hold it: the gateway's device record
 * (POST /v1/devices or an import) and the handset's own spec in SIM_FLEET. Built from one
 * description so the two can never disagree on a password or a nonce.
 */
export interface DmAccountPair {
  /** the device id at the gateway; also the handset's client user name */
  id: string;
  /** digits only (the device record gets a leading +) */
  msisdn: string;
  devId: string;
  serverId: string;
  serverPassword: string;
  clientPassword: string;
  /** base64 nonces both sides start with */
  serverNonce: string;
  clientNonce: string;
}

/** The gateway's device record (MD5 both ways, the handsets' default). */
export function dmDeviceRecord(a: DmAccountPair, tags: string[]): Record<string, unknown> {
  return {
    id: a.id,
    protocol: 'omadm',
    addressing: { msisdn: `+${a.msisdn}`, devId: a.devId, serverId: a.serverId, authScheme: 'md5' },
    credentials: {
      clientUsername: a.id,
      clientPassword: a.clientPassword,
      serverPassword: a.serverPassword,
      serverNonce: a.serverNonce,
      clientNonce: a.clientNonce,
    },
    tags,
  };
}

/** The simulated handset's side of the same account. */
export function dmHandsetSpec(a: DmAccountPair): DmHandsetSpec {
  return {
    msisdn: a.msisdn,
    devId: a.devId,
    serverId: a.serverId,
    serverPassword: a.serverPassword,
    clientName: a.id,
    clientPassword: a.clientPassword,
    serverNonce: a.serverNonce,
    clientNonce: a.clientNonce,
  };
}
