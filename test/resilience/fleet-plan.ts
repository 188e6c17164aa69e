import { randomBytes } from 'node:crypto';
import {
  DmAccountPair,
  dmDeviceRecord,
  dmHandsetSpec,
} from '../../apps/simulator/src/control/dm-account-pair';

/**
 * The devices of one run, as the gateway's device records (imported over the API) and as the
 * simulator's fleet (SIM_FLEET), with the same credentials on both sides.
 */
export interface FleetPlan {
  dm: Array<{
    id: string;
    msisdn: string;
    devId: string;
    serverNonce: string;
    clientNonce: string;
  }>;
  cp: Array<{ id: string; msisdn: string; imsi: string }>;
  /** phones register themselves at start-up as `wp-<mac without colons>` */
  wp: Array<{ id: string; mac: string }>;
}

export const DM_SERVER_ID = 'dmb.resilience';
export const DM_SERVER_PASSWORD = 'srv-resil-secret';
export const DM_CLIENT_PASSWORD = 'dev-resil-secret';

/** The device-side key of the value each protocol's campaign sets. */
export const DM_NODE = './Vendor/dmbridge/sip/Registrar';
export const WP_ITEM = 'registrar-addr';

export function planFleet(counts: { dm?: number; cp?: number; wp?: number }): FleetPlan {
  const nonce = () => randomBytes(16).toString('base64');
  const pad = (i: number, n: number) => String(i).padStart(n, '0');
  return {
    dm: Array.from({ length: counts.dm ?? 0 }, (_, i) => ({
      id: `dm-${pad(i, 4)}`,
      msisdn: `4917100${pad(i, 5)}`,
      devId: `IMEI:3569380${pad(i, 8)}`,
      serverNonce: nonce(),
      clientNonce: nonce(),
    })),
    cp: Array.from({ length: counts.cp ?? 0 }, (_, i) => ({
      id: `cp-${pad(i, 4)}`,
      msisdn: `4917200${pad(i, 5)}`,
      imsi: `26201${pad(i, 10)}`,
    })),
    wp: Array.from({ length: counts.wp ?? 0 }, (_, i) => {
      const hex = (n: number) => n.toString(16).padStart(2, '0');
      const mac = `00:1A:E8:7E:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`.toUpperCase();
      return { id: `wp-${mac.replace(/:/g, '').toLowerCase()}`, mac };
    }),
  };
}

/** A planned DM handset with the run's shared server id and passwords. */
function dmAccount(d: FleetPlan['dm'][number]): DmAccountPair {
  return {
    ...d,
    serverId: DM_SERVER_ID,
    serverPassword: DM_SERVER_PASSWORD,
    clientPassword: DM_CLIENT_PASSWORD,
  };
}

/** Device records for POST /v1/devices/import. */
export function deviceRecords(plan: FleetPlan): unknown[] {
  return [
    ...plan.dm.map((d) => dmDeviceRecord(dmAccount(d), ['resilience'])),
    ...plan.cp.map((c) => ({
      id: c.id,
      protocol: 'omacp',
      addressing: { msisdn: `+${c.msisdn}`, imsi: c.imsi, pinPolicy: 'netwpin' },
      tags: ['resilience'],
    })),
  ];
}

/** SIM_FLEET for the simulator (apps/simulator/src/control/fleet-spec.ts). */
export function simulatorFleet(
  plan: FleetPlan,
  urls: { smscPort: number; dmServerUrl: string; workpointUrl: string },
  smscAccounts: Record<string, string>,
): unknown {
  return {
    smsc: { port: urls.smscPort, accounts: smscAccounts },
    dm: {
      serverUrl: urls.dmServerUrl,
      handsets: plan.dm.map((d) => dmHandsetSpec(dmAccount(d))),
    },
    cp: plan.cp.map((c) => ({ msisdn: c.msisdn, imsi: c.imsi })),
    phones: { gatewayUrl: urls.workpointUrl, macs: plan.wp.map((p) => p.mac) },
  };
}
