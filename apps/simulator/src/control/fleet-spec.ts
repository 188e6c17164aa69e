import type { DeviceFault } from './device-faults';

/**
 * SIM_FLEET: the devices one simulator process plays for a resilience run, as JSON.
 * Every part is optional.
 */
export interface FleetSpec {
  /** the SMSC: fixed port (it is stopped and started again on it), accounts as `id -> password` */
  smsc?: {
    port: number;
    /** address it listens on (default 127.0.0.1; `0.0.0.0` in a container) */
    host?: string;
    accounts?: Record<string, string>;
    receiptDelayMs?: number;
  };
  /** OMA DM handsets: the SMS side (package #0) and the DM client (sessions to `serverUrl`) */
  dm?: { serverUrl: string; handsets: DmHandsetSpec[] };
  /** OMA CP handsets behind the SMSC */
  cp?: Array<{ msisdn: string; imsi: string; pin?: string }>;
  /** OpenStage phones calling `gatewayUrl` (the Workpoint HTTPS URL) */
  phones?: {
    gatewayUrl: string;
    macs: string[];
    /** host the contact-me listeners bind and report (default 127.0.0.1) */
    contactHost?: string;
  };
  /** misbehaving devices, keyed by MAC, devId or MSISDN (see device-faults.ts) */
  faults?: Record<string, DeviceFault>;
}

export interface DmHandsetSpec {
  msisdn: string;
  devId: string;
  serverId: string;
  serverPassword: string;
  clientName: string;
  clientPassword: string;
  /** base64 nonces the device starts with (the gateway's device record holds the same) */
  serverNonce: string;
  clientNonce: string;
  maxMsgSize?: number;
  /** DM Notification §6.2 nonce resynchronisation: `binary` (default), `ascii` or `none` */
  nonceResync?: 'binary' | 'ascii' | 'none';
}
