import { Device, Protocol } from './device.model';

/**
 * Compact Redis encoding of a device: one JSON string with one-letter keys and a one-letter
 * protocol. Keeps a DM handset well under the 1.5 KB per device budget.
 */
const P2C: Record<Protocol, string> = { workpoint: 'w', omadm: 'd', omacp: 'c' };
const C2P: Record<string, Protocol> = { w: 'workpoint', d: 'omadm', c: 'omacp' };

interface Packed {
  p: string;
  a: Device['addressing'];
  c?: Device['credentials'];
  f?: string;
  m?: string;
  t?: string[];
  s?: Record<string, unknown>;
  /** created / updated, milliseconds in base 36 (updated omitted while equal) */
  ca: string;
  ua?: string;
}

export function encodeDevice(d: Device): string {
  const packed: Packed = { p: P2C[d.protocol], a: d.addressing, ca: d.createdAt.toString(36) };
  if (d.updatedAt !== d.createdAt) packed.ua = d.updatedAt.toString(36);
  if (Object.keys(d.credentials).length) packed.c = d.credentials;
  if (d.profile) packed.f = d.profile;
  if (d.model) packed.m = d.model;
  if (d.tags.length) packed.t = d.tags;
  if (d.desired && Object.keys(d.desired).length) packed.s = d.desired;
  return JSON.stringify(packed);
}

export function decodeDevice(id: string, raw: string): Device {
  const p = JSON.parse(raw) as Packed;
  const d: Device = {
    id,
    protocol: C2P[p.p],
    addressing: p.a,
    credentials: p.c ?? {},
    tags: p.t ?? [],
    createdAt: parseInt(p.ca, 36),
    updatedAt: parseInt(p.ua ?? p.ca, 36),
  };
  if (p.f) d.profile = p.f;
  if (p.m) d.model = p.m;
  if (p.s) d.desired = p.s;
  return d;
}
