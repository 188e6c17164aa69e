import { join } from 'node:path';
import { NONCE_RESYNC_FORMS, NonceResyncForm } from '@dm-bridge/wap-push';
import { envEnumList, envInt, envNumber, envString } from '../config/env';

export const ORCHESTRATION_CONFIG = Symbol('ORCHESTRATION_CONFIG');

export interface OrchestrationConfig {
  /** 32-byte master key (hex or base64); unset: `<VAR_DIR>/master.key`, generated on first start. */
  masterKey?: string;
  masterKeyFile: string;
  defaultCountryCode?: string;
  jobDefaultDeadlineSeconds: number;
  jobRetentionMs: number;
  wakeBackoffBaseMs: number;
  wakeBackoffMaxMs: number;
  /** Jitter as a fraction of each delay (0.2 = ±20 %). */
  wakeJitter: number;
  /** How long a session may hold a device before its lock lapses (renewed by active sessions). */
  sessionLockTtlMs: number;
  /** OMA CP: how long to wait for delivery receipts before a job is `unconfirmed`. */
  cpReceiptWindowMs: number;
  /** OMA CP: how often the receipts of a sent push are looked at. */
  cpReceiptPollMs: number;
  fanOutBatch: number;
  wakeConcurrency: number;
  webhookAttempts: number;
  webhookBackoffMs: number;
  webhookTimeoutMs: number;
  /** BullMQ: how often stalled jobs (their worker died) are detected, and a job's lock time. */
  workerStalledIntervalMs: number;
  workerLockMs: number;
  /**
   * Reconciler: how often workers look for jobs whose next step is overdue, and by how much it
   * must be overdue (also how long a wake-up may stay `waking`) before it counts as lost.
   */
  outboxIntervalMs: number;
  outboxGraceMs: number;
  /** SMS wake-ups go at their bind's rate with this many seconds of burst (see deferForSmsRate). */
  wakeSmsBurstS: number;
  /** Package #0 without a session before the resync nonce is tried (0: never); see docs/omadm.md. */
  dmNonceResyncAfter: number;
  dmNonceResyncForms: NonceResyncForm[];
  /** A running campaign whose fan-out has not moved for this long gets its fan-out again. */
  campaignStallMs: number;
  /** Catalog files (`*.json`, `*.yaml`, `*.yml`) upserted into the catalog at every start. */
  catalogDir?: string;
}

export function loadOrchestrationConfig(varDir: string): OrchestrationConfig {
  return {
    masterKey: envString('DMB_MASTER_KEY'),
    masterKeyFile: envString('DMB_MASTER_KEY_FILE', join(varDir, 'master.key')),
    defaultCountryCode: envString('DEFAULT_COUNTRY_CODE'),
    jobDefaultDeadlineSeconds: envInt('JOB_DEFAULT_DEADLINE_S', 3600, { min: 1 }),
    jobRetentionMs: envInt('JOB_RETENTION_S', 7 * 86400, { min: 60 }) * 1000,
    // an SMS reaches a handset and its session starts within seconds; one that missed the
    // notification (off, out of coverage, the server down meanwhile) is tried again after 20 s
    wakeBackoffBaseMs: envInt('WAKE_BACKOFF_BASE_MS', 20000, { min: 10 }),
    wakeBackoffMaxMs: envInt('WAKE_BACKOFF_MAX_MS', 900000, { min: 10 }),
    wakeJitter: envNumber('WAKE_JITTER', 0.2, { min: 0, max: 1 }),
    // renewed at every message: a lapse means the session stopped; short, so a cut one is seen soon
    sessionLockTtlMs: envInt('SESSION_LOCK_TTL_MS', 20000, { min: 100 }),
    cpReceiptWindowMs: envInt('CP_RECEIPT_WINDOW_MS', 600000, { min: 10 }),
    cpReceiptPollMs: envInt('CP_RECEIPT_POLL_MS', 5000, { min: 10 }),
    fanOutBatch: envInt('CAMPAIGN_FANOUT_BATCH', 1000, { min: 1, max: 10000 }),
    wakeConcurrency: envInt('WAKE_CONCURRENCY', 50, { min: 1, max: 1000 }),
    webhookAttempts: envInt('WEBHOOK_ATTEMPTS', 8, { min: 1, max: 50 }),
    webhookBackoffMs: envInt('WEBHOOK_BACKOFF_MS', 1000, { min: 1 }),
    webhookTimeoutMs: envInt('WEBHOOK_TIMEOUT_MS', 5000, { min: 100 }),
    workerStalledIntervalMs: envInt('WORKER_STALLED_INTERVAL_MS', 30000, { min: 100 }),
    workerLockMs: envInt('WORKER_LOCK_MS', 30000, { min: 100 }),
    outboxIntervalMs: envInt('OUTBOX_INTERVAL_MS', 5000, { min: 0 }),
    outboxGraceMs: envInt('OUTBOX_GRACE_MS', 15000, { min: 0 }),
    campaignStallMs: envInt('CAMPAIGN_STALL_MS', 300000, { min: 0 }),
    wakeSmsBurstS: envNumber('WAKE_SMS_BURST_S', 10, { min: 0, max: 86400 }),
    dmNonceResyncAfter: envInt('DM_NONCE_RESYNC_AFTER', 2, { min: 0, max: 1000 }),
    dmNonceResyncForms: envEnumList(
      'DM_NONCE_RESYNC_FORMS',
      NONCE_RESYNC_FORMS,
      NONCE_RESYNC_FORMS,
    ),
    catalogDir: envString('CATALOG_DIR'),
  };
}
