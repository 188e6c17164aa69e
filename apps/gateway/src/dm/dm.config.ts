import { envBool, envEnum, envInt, envString } from '../config/env';

export const DM_CONFIG = Symbol('DM_CONFIG');

export interface DmConfig {
  /** path of the SyncML endpoint on the device listener */
  path: string;
  /** largest SyncML message accepted (advertised as MaxMsgSize; bigger bodies get HTTP 413) */
  maxMsgSize: number;
  maxObjSize: number;
  sessionTimeoutMs: number;
  /** how often idle sessions are looked for (0: never; then only the next contact closes them) */
  sweepIntervalMs: number;
  /** an ended session's last reply stays this long for retransmissions */
  endedRetentionMs: number;
  maxAuthFailures: number;
  authLockoutMs: number;
  hmacEmptyNonceAfterAuth: boolean;
  /** wrong credentials per device (all sources) per window before only its last good source is heard */
  authGuessBudget: number;
  authGuessWindowMs: number;
  /** later messages of a session must come from the source address of its first message */
  bindSessionToPeer: boolean;
  /** only accounts with HMAC client auth (every message MACed) may open sessions */
  requireHmac: boolean;
  /** header carrying the device's address when a reverse proxy fronts the listener (lower case) */
  peerHeader?: string;
  /**
   * Where pending operations come from: `core` (jobs and desired state of the unified model, the
   * product's normal mode) or `queue` (a bare per-device Redis queue: DM without core, used by the
   * DM suites to drive the engine with raw commands).
   */
  operationSource: 'core' | 'queue';
}

export function loadDmConfig(): DmConfig {
  const path = envString('DM_PATH', '/dm');
  return {
    path: path.startsWith('/') ? path : `/${path}`,
    maxMsgSize: envInt('DM_MAX_MSG_SIZE', 65536, { min: 2048, max: 16 << 20 }),
    maxObjSize: envInt('DM_MAX_OBJ_SIZE', 1 << 20, { min: 1024, max: 256 << 20 }),
    sessionTimeoutMs: envInt('DM_SESSION_TIMEOUT_MS', 120_000, { min: 1000, max: 86_400_000 }),
    sweepIntervalMs: envInt('DM_SWEEP_INTERVAL_MS', 5000, { min: 0, max: 3_600_000 }),
    endedRetentionMs: envInt('DM_ENDED_RETENTION_MS', 60_000, { min: 1000, max: 86_400_000 }),
    maxAuthFailures: envInt('DM_MAX_AUTH_FAILURES', 3, { min: 1, max: 100 }),
    authLockoutMs: envInt('DM_AUTH_LOCKOUT_MS', 60_000, { min: 0, max: 86_400_000 }),
    hmacEmptyNonceAfterAuth: envBool('DM_HMAC_EMPTY_NONCE_AFTER_AUTH', true),
    authGuessBudget: envInt('DM_AUTH_GUESS_BUDGET', 10, { min: 1, max: 10_000 }),
    authGuessWindowMs: envInt('DM_AUTH_GUESS_WINDOW_MS', 60_000, { min: 1000, max: 86_400_000 }),
    bindSessionToPeer: envBool('DM_BIND_SESSION_TO_PEER', true),
    requireHmac: envBool('DM_REQUIRE_HMAC', false),
    peerHeader: envString('DM_PEER_HEADER')?.toLowerCase(),
    operationSource: envEnum('DM_OPERATION_SOURCE', ['core', 'queue'] as const, 'core'),
  };
}
