import { BindConfig, BindConfigError, parseSmscUrl } from '@dm-bridge/smpp';
import { ConfigError, envInt, envString } from '../config/env';

export const SMS_CONFIG = Symbol('SMS_CONFIG');

export interface SmsConfig {
  /** One entry per SMSC connection. Empty: the gateway runs without SMS. */
  binds: BindConfig[];
  /** Bind used when a push names none. */
  defaultBindId?: string;
  leaseTtlMs: number;
  /** Jobs of one bind's queue processed at once by its owner (keeps the window full). */
  workerConcurrency: number;
  /** Pushes per queue job when enqueuing many. */
  pushesPerJob: number;
  /**
   * Deadline of a push enqueued without one (ms from enqueue): transient SMSC causes are retried
   * until then, never counted.
   */
  pushDeadlineMs: number;
  /** Only for unexpected processor errors (transient SMSC causes never use an attempt). */
  jobAttempts: number;
  /** First delay before a queue job with unsent pushes runs again; doubles up to the max. */
  jobBackoffMs: number;
  jobBackoffMaxMs: number;
  /** How often every process checks Redis for bind changes made elsewhere (SMPP_BINDS_POLL_MS). */
  pollMs: number;
  /** How often a bind's owner publishes its live status (and how long it lives: 3×). */
  statusMs: number;
}

/**
 * SMPP_BINDS: whitespace- or comma-separated SMSC URLs, each
 * `smpp://system_id:password@host:port?id=name&mode=transceiver|transmitter&window=10&rate=200
 *  &source=OPERATOR&source_ton=5&source_npi=0&validity=&payload=short_message|message_payload|sar
 *  &system_type=&submit_id=text|hex|decimal&receipt_id=text|hex|decimal`.
 */
export function loadSmsConfig(): SmsConfig {
  const raw = envString('SMPP_BINDS', '') ?? '';
  const urls = raw.split(/[\s,]+/).filter(Boolean);
  const binds = urls.map((url, i) => {
    try {
      return parseSmscUrl(url, i === 0 ? 'default' : `bind${i + 1}`);
    } catch (e) {
      if (e instanceof BindConfigError)
        throw new ConfigError('SMPP_BINDS', `entry ${i + 1}: ${e.message}`);
      throw e;
    }
  });
  const ids = new Set<string>();
  for (const b of binds) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(b.id)) {
      throw new ConfigError('SMPP_BINDS', `bind id "${b.id}" must be 1-64 of A-Z a-z 0-9 _ . -`);
    }
    if (ids.has(b.id))
      throw new ConfigError('SMPP_BINDS', `two binds are named "${b.id}" (use ?id=)`);
    ids.add(b.id);
  }
  const defaultBindId = envString('SMPP_DEFAULT_BIND', binds[0]?.id);
  if (defaultBindId !== undefined && binds.length && !ids.has(defaultBindId)) {
    throw new ConfigError('SMPP_DEFAULT_BIND', `names no configured bind ("${defaultBindId}")`);
  }
  return {
    binds,
    defaultBindId,
    leaseTtlMs: envInt('SMPP_LEASE_TTL_MS', 10_000, { min: 300, max: 600_000 }),
    workerConcurrency: envInt('SMPP_WORKER_CONCURRENCY', 8, { min: 1, max: 256 }),
    pushesPerJob: envInt('SMPP_PUSHES_PER_JOB', 50, { min: 1, max: 1000 }),
    pushDeadlineMs: envInt('SMPP_PUSH_DEADLINE_MS', 3_600_000, {
      min: 1_000,
      max: 30 * 86_400_000,
    }),
    jobAttempts: envInt('SMPP_JOB_ATTEMPTS', 10, { min: 1, max: 1000 }),
    jobBackoffMs: envInt('SMPP_JOB_BACKOFF_MS', 1_000, { min: 10, max: 3_600_000 }),
    jobBackoffMaxMs: envInt('SMPP_JOB_BACKOFF_MAX_MS', 30_000, { min: 10, max: 3_600_000 }),
    pollMs: envInt('SMPP_BINDS_POLL_MS', 1_000, { min: 50, max: 60_000 }),
    statusMs: envInt('SMPP_STATUS_MS', 1_000, { min: 50, max: 60_000 }),
  };
}
