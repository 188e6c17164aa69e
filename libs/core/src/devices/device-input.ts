import { normaliseMac } from '../addressing/mac';
import { normaliseMsisdn } from '../addressing/msisdn';
import { ValidationError } from '../errors';
import {
  DeviceAddressing,
  DeviceCredentials,
  PROTOCOLS,
  Protocol,
  SECRET_CREDENTIAL_FIELDS,
} from './device.model';

/** A device as clients send it (create, import, update). */
export interface DeviceInput {
  id?: string;
  protocol?: Protocol;
  addressing?: DeviceAddressing;
  credentials?: DeviceCredentials;
  profile?: string | null;
  model?: string | null;
  tags?: string[];
  desired?: Record<string, unknown>;
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * devId, serverId, bind and imsi: printable ASCII without spaces. Addresses become Redis index
 * entries (newline-separated in scripts), so control characters must never reach them.
 */
export const ADDRESS_TOKEN = /^[\x21-\x7e]{1,128}$/;
/** ip: an IPv4/IPv6 literal or a host name. */
export const ADDRESS_HOST = /^[A-Za-z0-9.:%_[\]-]{1,128}$/;
/** C0 controls and DEL: never accepted in ids, addresses, names or query values. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
const TAG = /^[A-Za-z0-9._:-]{1,64}$/;
const ADDRESS_FIELDS = [
  'msisdn',
  'mac',
  'ip',
  'port',
  'devId',
  'serverId',
  'imsi',
  'authScheme',
  'clientAuth',
  'serverAuth',
  'pinPolicy',
  'bind',
];
/** OMA DM auth schemes: authScheme is both directions; clientAuth/serverAuth win over it. */
const AUTH_FIELDS: [keyof DeviceAddressing, readonly string[]][] = [
  ['authScheme', ['basic', 'md5', 'hmac']],
  ['clientAuth', ['basic', 'md5', 'hmac']],
  ['serverAuth', ['none', 'basic', 'md5', 'hmac']],
];
const CREDENTIAL_FIELDS = [
  'clientUsername',
  'clientNonce',
  'serverNonce',
  'username',
  'clientCertFingerprint',
  ...SECRET_CREDENTIAL_FIELDS,
];
const FINGERPRINT = /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/;

function fail(code: string, message: string, field?: string): never {
  throw new ValidationError(code, message, field ? { field } : undefined);
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID.test(id)) {
    fail('invalid-id', 'id must be 1 to 64 letters, digits, dot, dash, colon or underscore', 'id');
  }
  return id;
}

export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) fail('invalid-tags', 'tags must be an array of strings', 'tags');
  for (const t of tags) {
    if (typeof t !== 'string' || !TAG.test(t))
      fail('invalid-tags', `tag '${String(t)}' is not a valid tag`, 'tags');
  }
  return [...new Set(tags as string[])].sort();
}

export function checkProtocol(p: unknown): Protocol {
  if (!(PROTOCOLS as readonly unknown[]).includes(p)) {
    fail('invalid-protocol', `protocol must be one of ${PROTOCOLS.join(', ')}`, 'protocol');
  }
  return p as Protocol;
}

/** Validates and normalises addressing for a protocol (MSISDN to E.164, MAC to one form). */
export function normaliseAddressing(
  protocol: Protocol,
  input: unknown,
  options: {
    defaultCountryCode?: string;
    knownBinds?: readonly string[] | (() => readonly string[] | undefined);
  } = {},
): DeviceAddressing {
  const { defaultCountryCode } = options;
  // a function is the live list (binds change at run time); read once per call
  const knownBinds =
    typeof options.knownBinds === 'function' ? options.knownBinds() : options.knownBinds;
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input))
    fail('invalid-addressing', 'addressing must be an object', 'addressing');
  const a = { ...(input as Record<string, unknown>) };
  for (const k of Object.keys(a)) {
    if (!ADDRESS_FIELDS.includes(k))
      fail('invalid-addressing', `unknown addressing field '${k}'`, `addressing.${k}`);
    if (a[k] === null || a[k] === '') delete a[k];
  }
  const out: DeviceAddressing = {};
  for (const k of ['devId', 'serverId', 'imsi', 'ip', 'bind'] as const) {
    if (a[k] !== undefined) {
      if (typeof a[k] !== 'string' || (a[k] as string).length > 128)
        fail('invalid-addressing', `addressing.${k} must be a string`, `addressing.${k}`);
      const grammar = k === 'ip' ? ADDRESS_HOST : ADDRESS_TOKEN;
      if (!grammar.test(a[k] as string))
        fail(
          'invalid-addressing',
          k === 'ip'
            ? 'addressing.ip must be an IP address or host name'
            : `addressing.${k} must be printable ASCII without spaces or control characters`,
          `addressing.${k}`,
        );
      out[k] = a[k] as string;
    }
  }
  for (const k of ['msisdn', 'mac'] as const) {
    if (typeof a[k] === 'string' && CONTROL_CHARS.test(a[k] as string))
      fail(
        'invalid-addressing',
        `addressing.${k} must be a string without control characters`,
        `addressing.${k}`,
      );
  }
  if (a.msisdn !== undefined) out.msisdn = normaliseMsisdn(a.msisdn as string, defaultCountryCode);
  if (a.mac !== undefined) out.mac = normaliseMac(a.mac as string);
  if (a.port !== undefined) {
    const port = Number(a.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      fail('invalid-addressing', 'addressing.port must be 1..65535', 'addressing.port');
    out.port = port;
  }
  if (a.imsi !== undefined && !/^\d{6,15}$/.test(out.imsi!))
    fail('invalid-addressing', 'addressing.imsi must be 6 to 15 digits', 'addressing.imsi');
  for (const [k, allowed] of AUTH_FIELDS) {
    if (a[k] === undefined) continue;
    if (!allowed.includes(a[k] as string))
      fail(
        'invalid-addressing',
        `addressing.${k} must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`,
        `addressing.${k}`,
      );
    (out as Record<string, unknown>)[k] = a[k];
  }
  if (out.bind !== undefined && knownBinds && !knownBinds.includes(out.bind)) {
    fail(
      'unknown-bind',
      `addressing.bind '${out.bind}' names no SMSC bind (known: ${knownBinds.join(', ')})`,
      'addressing.bind',
    );
  }
  if (a.pinPolicy !== undefined) {
    if (a.pinPolicy === 'userpinmac') {
      // No published test vector pins its MAC-digit key derivation down (docs/omacp.md).
      fail(
        'unsupported-security',
        'addressing.pinPolicy userpinmac (SEC USERPINMAC) is not supported; use netwpin, userpin or usernetwpin',
        'addressing.pinPolicy',
      );
    }
    if (!['netwpin', 'userpin', 'usernetwpin'].includes(a.pinPolicy as string)) {
      fail(
        'invalid-addressing',
        'addressing.pinPolicy must be netwpin, userpin or usernetwpin',
        'addressing.pinPolicy',
      );
    }
    out.pinPolicy = a.pinPolicy as DeviceAddressing['pinPolicy'];
  }
  const required: Record<Protocol, (keyof DeviceAddressing)[][]> = {
    workpoint: [['ip', 'mac']],
    omadm: [['msisdn', 'devId']],
    omacp: [['msisdn']],
  };
  for (const anyOf of required[protocol]) {
    if (!anyOf.some((k) => out[k] !== undefined)) {
      fail(
        'missing-addressing',
        `a ${protocol} device needs addressing.${anyOf.join(' or addressing.')}`,
        'addressing',
      );
    }
  }
  if (protocol === 'omacp' && out.pinPolicy && out.pinPolicy !== 'userpin' && !out.imsi) {
    fail(
      'missing-addressing',
      `CP pin policy ${out.pinPolicy} needs addressing.imsi`,
      'addressing.imsi',
    );
  }
  return out;
}

export function checkCredentials(input: unknown): DeviceCredentials {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    fail('invalid-credentials', 'credentials must be an object', 'credentials');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (!CREDENTIAL_FIELDS.includes(k))
      fail('invalid-credentials', `unknown credentials field '${k}'`, `credentials.${k}`);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' || v.length > 256)
      fail('invalid-credentials', `credentials.${k} must be a string`, `credentials.${k}`);
    if (
      k !== 'clientPassword' &&
      k !== 'serverPassword' &&
      k !== 'password' &&
      CONTROL_CHARS.test(v)
    )
      fail(
        'invalid-credentials',
        `credentials.${k} must not hold control characters`,
        `credentials.${k}`,
      );
    if (k === 'clientCertFingerprint' && !FINGERPRINT.test(v))
      fail(
        'invalid-credentials',
        'credentials.clientCertFingerprint must be a SHA-256 fingerprint (32 upper-case hex pairs joined by colons)',
        `credentials.${k}`,
      );
    out[k] = v;
  }
  return out as DeviceCredentials;
}
