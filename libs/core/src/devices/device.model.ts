export const PROTOCOLS = ['workpoint', 'omadm', 'omacp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * How the gateway reaches a device and recognises it when it calls in.
 * Workpoint: ip, port (contact-me, default 8085), mac. OMA DM: msisdn, devId, serverId,
 * authScheme, clientAuth, serverAuth. OMA CP: msisdn, imsi, pinPolicy.
 */
export interface DeviceAddressing {
  msisdn?: string;
  mac?: string;
  ip?: string;
  port?: number;
  devId?: string;
  serverId?: string;
  imsi?: string;
  /** OMA DM: both directions' scheme, when `clientAuth`/`serverAuth` do not say otherwise */
  authScheme?: 'basic' | 'md5' | 'hmac';
  /** OMA DM: how the device proves itself to the gateway (wins over authScheme) */
  clientAuth?: 'basic' | 'md5' | 'hmac';
  /** OMA DM: how the gateway proves itself to the device (wins over authScheme) */
  serverAuth?: 'none' | 'basic' | 'md5' | 'hmac';
  pinPolicy?: 'netwpin' | 'userpin' | 'usernetwpin' | 'userpinmac';
  /** SMSC bind to send this device's SMS through (SMPP side decides when absent). */
  bind?: string;
}

/** Fields of `credentials` that are secrets: sealed at rest, never returned. */
export const SECRET_CREDENTIAL_FIELDS = [
  'clientPassword',
  'serverPassword',
  'userPin',
  'password',
] as const;

export interface DeviceCredentials {
  clientUsername?: string;
  clientPassword?: string;
  serverPassword?: string;
  clientNonce?: string;
  serverNonce?: string;
  userPin?: string;
  username?: string;
  password?: string;
  /**
   * Workpoint: SHA-256 fingerprint (`AB:CD:…`) of the client certificate the phone is bound to
   * in secure mode, recorded at its first mutual-TLS request; null in an update unbinds it.
   */
  clientCertFingerprint?: string;
}

export interface Device {
  id: string;
  protocol: Protocol;
  addressing: DeviceAddressing;
  /** Secret fields are stored sealed (see SecretBox); the repository never sees plaintext. */
  credentials: DeviceCredentials;
  profile?: string;
  model?: string;
  tags: string[];
  /** Desired state: parameter name -> value, applied at every contact where it differs. */
  desired?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** Address kinds that must be unique per protocol; the device listeners look devices up by them. */
export const UNIQUE_ADDRESS_KINDS = ['msisdn', 'mac', 'devId'] as const;
export type UniqueAddressKind = (typeof UNIQUE_ADDRESS_KINDS)[number];

export function uniqueAddresses(device: Pick<Device, 'addressing'>): [UniqueAddressKind, string][] {
  const out: [UniqueAddressKind, string][] = [];
  for (const kind of UNIQUE_ADDRESS_KINDS) {
    const v = device.addressing[kind];
    if (v) out.push([kind, v]);
  }
  return out;
}

export type Inventory = Record<string, string>;

/** How a value in the inventory was learned. */
export type InventorySource = 'reported' | 'read' | 'written' | 'delivered';

/** One inventory value with when and how it was learned (and the job, when a job did). */
export interface InventoryEntry {
  value: string;
  /** absent for values recorded before provenance was kept */
  at?: number;
  source: InventorySource;
  jobId?: string;
}

export interface InventoryObservation {
  at: number;
  source: InventorySource;
  jobId?: string;
}
