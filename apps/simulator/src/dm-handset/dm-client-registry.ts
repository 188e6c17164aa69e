import type { DmHandset } from './dm-handset';

/**
 * DM clients of the stand-alone simulator by MSISDN: the SMSC part's DM handset fronts hand a
 * verified package #0 to the DM client registered for their number (and check its digest with
 * that client's server nonces), so one simulated handset has both halves.
 */
const clients = new Map<string, DmHandset>();

/** Digits only: `+49 170…` and `49170…` name the same handset. */
const key = (msisdn: string) => msisdn.replace(/\D/g, '');

export function registerDmClient(msisdn: string, handset: DmHandset): void {
  clients.set(key(msisdn), handset);
}

export function unregisterDmClient(msisdn: string): void {
  clients.delete(key(msisdn));
}

export function dmClientFor(msisdn: string): DmHandset | undefined {
  return clients.get(key(msisdn));
}
