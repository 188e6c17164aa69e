import { createHash } from 'node:crypto';
import {
  DmAccountPair,
  dmDeviceRecord,
  dmHandsetSpec,
} from '../../simulator/src/control/dm-account-pair';

/**
 * The demo fleet: which devices exist, how each misbehaves, and what each one's job must end as.
 * Everything is derived from the index, so two runs (and the compose fleet files) are the same
 * fleet; the expected outcome is computed here, never read back from a run.
 */
export type Protocol = 'workpoint' | 'omadm' | 'omacp';

export type Behaviour =
  | 'good'
  | 'busy' // phone in a call when the campaign starts: answers busy, calls back when idle
  | 'slow' // every message waits DEMO_SLOW_MS
  | 'refuses' // phone answers every action "failed"
  | 'read-only' // DM: the server-address node's ACL refuses Replace (425)
  | 'wrong-pin' // CP: the handset's user PIN differs from the gateway's record
  | 'silent' // DM ignores package #0, a phone ignores contact-me
  | 'switched-off'; // CP: no handset behind the MSISDN, the SMSC reports EXPIRED

export interface DemoDevice {
  id: string;
  protocol: Protocol;
  behaviour: Behaviour;
  /** the job's final state the behaviour must produce */
  expect: string;
  /** the device side must show the value applied (false: it must not) */
  applies: boolean;
  mac?: string;
  msisdn?: string;
  devId?: string;
  imsi?: string;
  serverNonce?: string;
  clientNonce?: string;
}

export const DM_SERVER_ID = 'dmb.demo';
export const DM_SERVER_PASSWORD = 'demo-server-secret';
export const DM_CLIENT_PASSWORD = 'demo-client-secret';
export const CP_USER_PIN = '1234';
export const CP_WRONG_PIN = '4321';
export const DEMO_SLOW_MS = 300;
export const DEMO_BUSY_MS = 6000;
export const SMSC_ACCOUNT = { id: 'demo', password: 'demo-smsc-pw' };

/** What the campaigns set; the device-side check looks for exactly these values. */
export const VALUES = {
  registrar: 'sip.demo.example.net',
  apn: 'internet.demo.example',
};
/** The DM server address node of the simulated handsets' account (DMAcc/srv). */
export const DM_ADDR_NODE = './DMAcc/srv/AppAddr/1/Addr';

/** Final state per behaviour. */
const EXPECT: Record<Behaviour, string> = {
  good: 'succeeded',
  busy: 'succeeded',
  slow: 'succeeded',
  refuses: 'failed',
  'read-only': 'partial',
  // CP has no return channel: the SMSC delivered it, the handset discarded it
  'wrong-pin': 'succeeded',
  silent: 'expired',
  'switched-off': 'failed',
};

/** How many devices of each protocol misbehave, and how (the rest are good). */
export const MISBEHAVING: Record<Protocol, Array<[Behaviour, number]>> = {
  workpoint: [
    ['busy', 3],
    ['slow', 3],
    ['refuses', 2],
    ['silent', 2],
  ],
  omadm: [
    ['slow', 3],
    ['read-only', 2],
    ['silent', 2],
  ],
  omacp: [
    ['wrong-pin', 3],
    ['switched-off', 2],
  ],
};

const pad = (i: number, n: number) => String(i).padStart(n, '0');
const hex2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();
/** Fixed per-device nonces, so the fleet files can be checked in. */
const nonce = (seed: string) =>
  createHash('sha256').update(seed).digest().subarray(0, 16).toString('base64');

function behaviours(protocol: Protocol, count: number): Behaviour[] {
  const out: Behaviour[] = [];
  for (const [b, n] of MISBEHAVING[protocol]) for (let i = 0; i < n; i++) out.push(b);
  while (out.length < count) out.push('good');
  return out.slice(0, count);
}

export function planDemoFleet(counts = { workpoint: 50, omadm: 50, omacp: 50 }): DemoDevice[] {
  const devices: DemoDevice[] = [];
  behaviours('workpoint', counts.workpoint).forEach((b, i) => {
    const mac = `00:1A:E8:DE:${hex2((i >> 8) & 0xff)}:${hex2(i & 0xff)}`;
    devices.push({
      id: `wp-${mac.replace(/:/g, '').toLowerCase()}`,
      protocol: 'workpoint',
      behaviour: b,
      expect: EXPECT[b],
      applies: EXPECT[b] === 'succeeded',
      mac,
    });
  });
  behaviours('omadm', counts.omadm).forEach((b, i) =>
    devices.push({
      id: `dm-${pad(i, 3)}`,
      protocol: 'omadm',
      behaviour: b,
      expect: EXPECT[b],
      applies: EXPECT[b] === 'succeeded',
      msisdn: `4917300${pad(i, 5)}`,
      devId: `IMEI:3569381${pad(i, 8)}`,
      serverNonce: nonce(`dm-${i}-server`),
      clientNonce: nonce(`dm-${i}-client`),
    }),
  );
  behaviours('omacp', counts.omacp).forEach((b, i) =>
    devices.push({
      id: `cp-${pad(i, 3)}`,
      protocol: 'omacp',
      behaviour: b,
      expect: EXPECT[b],
      applies: b === 'good',
      msisdn: `4917400${pad(i, 5)}`,
      imsi: `26202${pad(i, 10)}`,
    }),
  );
  return devices;
}

/** A demo DM handset with the demo's shared server id and passwords. */
function dmAccount(d: DemoDevice): DmAccountPair {
  return {
    id: d.id,
    msisdn: d.msisdn!,
    devId: d.devId!,
    serverId: DM_SERVER_ID,
    serverPassword: DM_SERVER_PASSWORD,
    clientPassword: DM_CLIENT_PASSWORD,
    serverNonce: d.serverNonce!,
    clientNonce: d.clientNonce!,
  };
}

/** Device records for POST /v1/devices/import (phones register themselves at start-up). */
export function deviceRecords(fleet: DemoDevice[]): unknown[] {
  return fleet
    .filter((d) => d.protocol !== 'workpoint')
    .map((d) =>
      d.protocol === 'omadm'
        ? dmDeviceRecord(dmAccount(d), ['demo'])
        : {
            id: d.id,
            protocol: 'omacp',
            // wrong-PIN handsets are provisioned by user PIN (the user typed another one)
            addressing:
              d.behaviour === 'wrong-pin'
                ? { msisdn: `+${d.msisdn}`, pinPolicy: 'userpin' }
                : { msisdn: `+${d.msisdn}`, imsi: d.imsi, pinPolicy: 'netwpin' },
            credentials: d.behaviour === 'wrong-pin' ? { userPin: CP_USER_PIN } : undefined,
            tags: ['demo'],
          },
    );
}

/**
 * SIM_FLEET for the simulator (apps/simulator/src/control/fleet-spec.ts). URLs may be `${VAR}`
 * placeholders that the simulator fills from its environment (the compose fleet file).
 */
export function simulatorFleet(
  fleet: DemoDevice[],
  urls: { smscPort: number; dmServerUrl: string; workpointUrl: string },
): Record<string, unknown> {
  const faults: Record<string, Record<string, unknown>> = {};
  for (const d of fleet) {
    const key = d.protocol === 'workpoint' ? d.mac! : d.protocol === 'omadm' ? d.devId! : d.msisdn!;
    if (d.behaviour === 'slow') faults[key] = { latencyMs: DEMO_SLOW_MS };
    if (d.behaviour === 'silent') faults[key] = { silent: true };
    if (d.behaviour === 'refuses') faults[key] = { refuse: true };
    if (d.behaviour === 'read-only') faults[key] = { readOnlyNodes: [DM_ADDR_NODE] };
    if (d.behaviour === 'switched-off') faults[key] = { receiptStat: 'EXPIRED' };
  }
  const of = (p: Protocol) => fleet.filter((d) => d.protocol === p);
  return {
    smsc: { port: urls.smscPort, accounts: { [SMSC_ACCOUNT.id]: SMSC_ACCOUNT.password } },
    dm: {
      serverUrl: urls.dmServerUrl,
      handsets: of('omadm').map((d) => dmHandsetSpec(dmAccount(d))),
    },
    // a switched-off handset is not there at all
    cp: of('omacp')
      .filter((d) => d.behaviour !== 'switched-off')
      .map((d) => ({
        msisdn: d.msisdn,
        imsi: d.imsi,
        ...(d.behaviour === 'wrong-pin' ? { pin: CP_WRONG_PIN } : {}),
      })),
    // busy phones first: POST /wp/busy {share} puts the first phones in a call
    phones: { gatewayUrl: urls.workpointUrl, macs: of('workpoint').map((d) => d.mac!) },
    faults,
  };
}

/** The share of phones to put in a call (they come first in the fleet). */
export function busyShare(fleet: DemoDevice[]): number {
  const phones = fleet.filter((d) => d.protocol === 'workpoint');
  return phones.filter((d) => d.behaviour === 'busy').length / phones.length;
}

/** One campaign per protocol: its name, devices and operations. */
export function campaigns(
  fleet: DemoDevice[],
  dmServerUrl: string,
): Array<{ protocol: Protocol; deviceIds: string[]; operations: unknown[] }> {
  const ids = (p: Protocol) => fleet.filter((d) => d.protocol === p).map((d) => d.id);
  return [
    {
      protocol: 'workpoint',
      deviceIds: ids('workpoint'),
      operations: [{ op: 'set', path: 'sip.registrar', value: VALUES.registrar }],
    },
    {
      protocol: 'omadm',
      deviceIds: ids('omadm'),
      operations: [
        { op: 'get', path: 'firmware.version' },
        { op: 'set', path: `omadm:${DM_ADDR_NODE}`, value: dmServerUrl },
      ],
    },
    {
      protocol: 'omacp',
      deviceIds: ids('omacp'),
      // an APN and a DM account (bootstrap) in one signed document
      operations: [
        { op: 'set', path: 'network.apn', value: VALUES.apn },
        { op: 'set', path: 'network.apn.name', value: 'Demo APN' },
        { op: 'set', path: 'dm.server.id', value: DM_SERVER_ID },
        { op: 'set', path: 'dm.server.url', value: dmServerUrl },
      ],
    },
  ];
}
