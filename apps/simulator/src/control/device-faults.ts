import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { DmHandset } from '../dm-handset/dm-handset';
import type { OpenStagePhone } from '../phone/openstage-phone';
import { Latency, latencyHttpAgent, latencyHttpsAgent } from './latency-agent';

/**
 * How one device of the fleet misbehaves (SIM_FLEET `faults`, keyed by the phone's MAC, the DM
 * handset's devId or the CP handset's MSISDN). Every field is optional; a device without an
 * entry behaves.
 */
export interface DeviceFault {
  /** every message of this device waits this long before it leaves (a slow device) */
  latencyMs?: number;
  /** DM: package #0 is ignored; phone: contact-me is acknowledged but never called back */
  silent?: boolean;
  /** phone: every action is answered `failed` (a phone that declines the settings) */
  refuse?: boolean;
  /** DM: nodes whose ACL lets no server Replace them (the Replace gets 425) */
  readOnlyNodes?: string[];
  /** SMSC: the receipt stat for this MSISDN, e.g. `EXPIRED` for a handset that is switched off */
  receiptStat?: string;
}

/** The DM client's HTTP agent: its own when the device is slow, else the fleet's. */
export function dmAgent(
  fault: DeviceFault | undefined,
  shared: HttpAgent | undefined,
): HttpAgent | undefined {
  if (!fault?.latencyMs) return shared;
  const latency = new Latency();
  latency.ms = fault.latencyMs;
  return latencyHttpAgent(latency);
}

export function phoneAgent(fault: DeviceFault | undefined, shared: HttpsAgent): HttpsAgent {
  if (!fault?.latencyMs) return shared;
  const latency = new Latency();
  latency.ms = fault.latencyMs;
  return latencyHttpsAgent(latency);
}

export function applyDmFault(handset: DmHandset, fault: DeviceFault | undefined): void {
  for (const uri of fault?.readOnlyNodes ?? []) {
    const node = handset.tree.find(uri);
    if (node) node.acl = 'Get=*';
  }
}

export function applyPhoneFault(phone: OpenStagePhone, fault: DeviceFault | undefined): void {
  if (fault?.silent) phone.ignoreContactMe = true;
  if (fault?.refuse) phone.refuseActions = true;
}
