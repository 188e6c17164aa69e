import {
  SecretBox,
  type Device,
  type DeviceCredentials,
  type DeviceInput,
  type DeviceLifecycleListener,
} from '@dm-bridge/core';
import type { DmDeviceAccount } from '@dm-bridge/omadm';
import type { AccountSecretSealer } from './dm-session.store';

/** Account passwords sealed with core's SecretBox; a value stored before sealing reads as is. */
export function accountSealer(box: SecretBox): AccountSecretSealer {
  return {
    seal: (plain) => box.seal(plain),
    open: (stored) => (SecretBox.isSealed(stored) ? box.open(stored) : stored),
  };
}

/** Both directions when neither the record nor authScheme names one (the historical default). */
export const DEFAULT_DM_AUTH = 'md5';

/**
 * The DM account a device record asks for (`credentials` already opened), or undefined when the
 * record is not an OMA DM device with a DevId. `clientAuth`/`serverAuth` win over `authScheme`;
 * nonces the record does not give start empty, as on a freshly bootstrapped handset (the first
 * authenticated session rotates both; a client whose nonce differs is challenged with a new one).
 */
export function dmAccountOf(
  device: Pick<Device, 'protocol' | 'addressing'>,
  c: DeviceCredentials,
): DmDeviceAccount | undefined {
  const a = device.addressing;
  if (device.protocol !== 'omadm' || !a.devId) return undefined;
  return {
    deviceId: a.devId,
    clientAuth: a.clientAuth ?? a.authScheme ?? DEFAULT_DM_AUTH,
    clientName: c.clientUsername ?? a.devId,
    clientPassword: c.clientPassword ?? '',
    clientNonce: c.clientNonce ?? '',
    serverAuth: a.serverAuth ?? a.authScheme ?? DEFAULT_DM_AUTH,
    serverName: a.serverId ?? 'dm-bridge',
    serverPassword: c.serverPassword ?? '',
    serverNonce: c.serverNonce ?? '',
  };
}

/** The part of DmSessionStore the sync writes through. */
export interface DmAccountWriter {
  writeAccount(
    a: DmDeviceAccount,
    o: { replace: boolean; rev: number; setNonces?: { client?: boolean; server?: boolean } },
  ): Promise<boolean>;
  forgetDevice(deviceId: string): Promise<void>;
}

/**
 * Keeps `dm:acct:<DevId>` in step with the core device record (core's DeviceLifecycleListener):
 * written at create and import, rewritten at every change of addressing or credentials (nonces
 * negotiated in sessions kept unless the change sets them), dropped at delete and, for the old
 * DevId, when the DevId changes. Nothing is logged here (the accounts hold secrets).
 */
export class DmAccountSync implements DeviceLifecycleListener {
  constructor(
    private readonly store: DmAccountWriter,
    /** opens a record's sealed credentials (core's SecretBox) */
    private readonly reveal: (device: Device) => DeviceCredentials,
  ) {}

  async created(devices: Device[]): Promise<void> {
    await Promise.all(
      devices.map((d) => {
        const account = dmAccountOf(d, this.reveal(d));
        return account && this.store.writeAccount(account, { replace: true, rev: d.updatedAt });
      }),
    );
  }

  async updated(previous: Device, next: Device, patch: DeviceInput): Promise<void> {
    if (next.protocol !== 'omadm') return;
    const oldDevId = previous.addressing.devId;
    const newDevId = next.addressing.devId;
    if (oldDevId && oldDevId !== newDevId) await this.store.forgetDevice(oldDevId);
    if (!newDevId) return;
    const renamed = oldDevId !== newDevId;
    if (!renamed && patch.addressing === undefined && patch.credentials === undefined) return;
    const account = dmAccountOf(next, this.reveal(next))!;
    const sets = (k: 'clientNonce' | 'serverNonce') => typeof patch.credentials?.[k] === 'string';
    await this.store.writeAccount(account, {
      replace: renamed,
      rev: next.updatedAt,
      setNonces: { client: sets('clientNonce'), server: sets('serverNonce') },
    });
  }

  async deleted(device: Device): Promise<void> {
    if (device.protocol === 'omadm' && device.addressing.devId)
      await this.store.forgetDevice(device.addressing.devId);
  }
}
