import { contactNetworks } from './contact-me-uri';
import { DEFAULT_TRUSTED_NETWORKS } from './registration-guard';
import { envBool, envEnum, envInt, envPort, envString } from '../config/env';

export const WORKPOINT_CONFIG = Symbol('WORKPOINT_CONFIG');

export interface WorkpointConfig {
  enabled: boolean;
  /** default-mode HTTPS listener (DG p.12: 18443) */
  port: number;
  /** secure-mode listener with client-certificate verification (0 = ephemeral) */
  securePort: number;
  /** CA bundle that signs the phones' client certificates; the secure listener is off without it */
  secureClientCaFile?: string;
  /** server certificate/key; generated self-signed into <VAR_DIR>/workpoint/ when unset */
  certFile?: string;
  keyFile?: string;
  /** certificate/key of the secure listener (defaults to the default listener's) */
  secureCertFile?: string;
  secureKeyFile?: string;
  /** 'TLSv1' for old firmware (see docs/workpoint.md) */
  tlsMinVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string, e.g. 'DEFAULT:@SECLEVEL=0' for legacy suites */
  tlsCiphers?: string;
  keepAliveMs: number;
  maxBody: number;
  /** WORKPOINT_PATHS: path prefixes served (phones use any path they were given); [] = all */
  paths: string[];
  registrationPolicy: 'accept' | 'quarantine' | 'refuse';
  jobsPerInteraction: 'all' | 'one';
  writeByteBudget: number;
  /** a job the phone rejects this many times (clean-up, misfit reply) fails with its reason */
  rejectionLimit: number;
  /** phone-state key lifetime of a registered phone, renewed at every request */
  stateTtlMs: number;
  /** phone-state key lifetime of a phone that never completed its inventory read */
  unregisteredStateTtlMs: number;
  /** fragmented replies: at most this many fragments, items, bytes, and this long */
  fragmentLimits: { fragments: number; items: number; bytes: number; ms: number };
  /** how long an interaction (and the phone state's lock) may stay idle */
  sessionTtlMs: number;
  /** after CleanUp + send-solicited: contact-me again if the phone has not come back by then */
  busyReturnTimeoutMs: number;
  /** restart / software / file deployment not confirmed by then → job failed */
  deferredTimeoutMs: number;
  /** the phone's contact gap: at most one contact-me per phone per interval (ADM: 300 s) */
  contactGapMs: number;
  /** global contact-me rate (requests per second) */
  contactRatePerSecond: number;
  contactAttempts: number;
  contactBackoffMs: number;
  contactTimeoutMs: number;
  /** secrets in plain mode: only to a corroborated caller (default), or to any */
  plainSecrets: 'corroborated' | 'always';
  /** plug & play defences: new phones an hour per source / in all; expected networks */
  registrationLimits: { perSource: number; total: number; trustedNetworks: string[] };
  /** CIDR blocks a reported contact-me-uri host may lie in besides the phone's own address */
  contactNetworks: string[];
  /** ports contact-me may go to ([] = any) */
  contactPorts: number[];
  /** dls_ip_addr / dls_ip_port sent with contact-me (optional) */
  callbackHost?: string;
  callbackPort?: number;
}

/**
 * `deviceHttpPort` 0 means an ephemeral test/demo gateway: the phone listeners then default to
 * ephemeral ports too, so parallel gateways never fight over 18443.
 */
export function loadWorkpointConfig(deviceHttpPort?: number): WorkpointConfig {
  const ephemeral = deviceHttpPort === 0;
  const callbackPort = envInt('WORKPOINT_CALLBACK_PORT', 0, { min: 0, max: 65535 });
  return {
    enabled: envBool('WORKPOINT_ENABLED', true),
    port: envPort('WORKPOINT_PORT', ephemeral ? 0 : 18443),
    securePort: envPort('WORKPOINT_SECURE_PORT', ephemeral ? 0 : 18444),
    secureClientCaFile: envString('WORKPOINT_SECURE_CLIENT_CA_FILE'),
    certFile: envString('WORKPOINT_TLS_CERT_FILE'),
    keyFile: envString('WORKPOINT_TLS_KEY_FILE'),
    secureCertFile: envString('WORKPOINT_SECURE_TLS_CERT_FILE'),
    secureKeyFile: envString('WORKPOINT_SECURE_TLS_KEY_FILE'),
    tlsMinVersion: envEnum(
      'WORKPOINT_TLS_MIN_VERSION',
      ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const,
      'TLSv1.2',
    ),
    tlsCiphers: envString('WORKPOINT_TLS_CIPHERS'),
    keepAliveMs: envInt('WORKPOINT_KEEPALIVE_MS', 10_000, { min: 1000, max: 120_000 }),
    paths: (envString('WORKPOINT_PATHS') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => (p.startsWith('/') ? p : `/${p}`)),
    maxBody: envInt('WORKPOINT_MAX_BODY', 256 * 1024, { min: 1024, max: 16 << 20 }),
    registrationPolicy: envEnum(
      'WORKPOINT_REGISTRATION',
      ['accept', 'quarantine', 'refuse'] as const,
      'accept',
    ),
    jobsPerInteraction: envEnum('WORKPOINT_JOBS_PER_INTERACTION', ['all', 'one'] as const, 'all'),
    rejectionLimit: envInt('WORKPOINT_REJECTION_LIMIT', 3, { min: 1, max: 100 }),
    writeByteBudget: envInt('WORKPOINT_WRITE_BYTE_BUDGET', 40_000, { min: 1000, max: 50_000 }),
    stateTtlMs: envInt('WORKPOINT_STATE_TTL_MS', 90 * 86_400_000, { min: 60_000 }),
    unregisteredStateTtlMs: envInt('WORKPOINT_UNREGISTERED_STATE_TTL_MS', 600_000, {
      min: 1000,
    }),
    fragmentLimits: {
      fragments: envInt('WORKPOINT_FRAGMENT_MAX_COUNT', 256, { min: 1 }),
      items: envInt('WORKPOINT_FRAGMENT_MAX_ITEMS', 10_000, { min: 1 }),
      bytes: envInt('WORKPOINT_FRAGMENT_MAX_BYTES', 2 << 20, { min: 1024 }),
      ms: envInt('WORKPOINT_FRAGMENT_MAX_MS', 120_000, { min: 100 }),
    },
    sessionTtlMs: envInt('WORKPOINT_SESSION_TTL_MS', 120_000, { min: 1000 }),
    busyReturnTimeoutMs: envInt('WORKPOINT_BUSY_RETURN_TIMEOUT_MS', 15 * 60_000, { min: 100 }),
    deferredTimeoutMs: envInt('WORKPOINT_DEFERRED_TIMEOUT_MS', 30 * 60_000, { min: 100 }),
    contactGapMs: envInt('WORKPOINT_CONTACT_GAP_MS', 300_000, { min: 0 }),
    contactRatePerSecond: envInt('WORKPOINT_CONTACT_RATE', 20, { min: 1, max: 10_000 }),
    contactAttempts: envInt('WORKPOINT_CONTACT_ATTEMPTS', 5, { min: 1, max: 100 }),
    contactBackoffMs: envInt('WORKPOINT_CONTACT_BACKOFF_MS', 60_000, { min: 10 }),
    contactTimeoutMs: envInt('WORKPOINT_CONTACT_TIMEOUT_MS', 5_000, { min: 100 }),
    plainSecrets: envEnum(
      'WORKPOINT_PLAIN_SECRETS',
      ['corroborated', 'always'] as const,
      'corroborated',
    ),
    registrationLimits: {
      perSource: envInt('WORKPOINT_REGISTRATION_BUDGET_PER_SOURCE', 500, { min: 1 }),
      total: envInt('WORKPOINT_REGISTRATION_BUDGET', 10_000, { min: 1 }),
      trustedNetworks: checked(
        envString('WORKPOINT_TRUSTED_NETWORKS') === undefined
          ? DEFAULT_TRUSTED_NETWORKS
          : list('WORKPOINT_TRUSTED_NETWORKS'),
        (l) => contactNetworks(l),
      ),
    },
    contactNetworks: checked(list('WORKPOINT_CONTACT_NETWORKS'), (l) => contactNetworks(l)),
    contactPorts: list('WORKPOINT_CONTACT_PORTS').map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535)
        throw new Error(`WORKPOINT_CONTACT_PORTS: '${p}' is not a TCP port`);
      return n;
    }),
    callbackHost: envString('WORKPOINT_CALLBACK_HOST'),
    callbackPort: callbackPort || undefined,
  };
}

function list(name: string): string[] {
  return (envString(name) ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** `values` once `check` accepted them (it throws a configuration error otherwise). */
function checked<T>(values: T, check: (v: T) => unknown): T {
  check(values);
  return values;
}
