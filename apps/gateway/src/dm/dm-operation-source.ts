import type { DmEvent, DmOperation, DmOperationResult } from '@dm-bridge/omadm';

export const DM_OPERATION_SOURCE = Symbol('DM_OPERATION_SOURCE');

/** Why a session gave its operations back (a fault code and a readable message). */
export interface DmReleaseCause {
  code: string;
  message: string;
}

/**
 * Where DM sessions get their work and deliver their results. Core implements it over its jobs;
 * `RedisDmOperationSource` is the stand-alone implementation (tests, demo, benchmark).
 */
export interface DmOperationSource {
  /** operations waiting for the device, oldest first; reading does not remove them */
  pending(deviceId: string): Promise<DmOperation[]>;
  /** a session took these operations (its state is already stored): remove them from the waiting list */
  claim(deviceId: string, sessionId: string, ids: string[]): Promise<void>;
  /** the final answer to one operation */
  complete(deviceId: string, result: DmOperationResult): Promise<void>;
  /**
   * operations a closed session never finished: back to the head of the waiting list, with why
   * the session ended (`session-ended`, or e.g. `server-auth-rejected` with the Chal type)
   */
  release(deviceId: string, operations: DmOperation[], cause?: DmReleaseCause): Promise<void>;
  /** every session event (device info, generic alerts, authentication, start and end) */
  event(event: DmEvent): Promise<void>;
  /**
   * The device's session lock, held by session `owner`: taken over from whoever held it (a new
   * session from the device supersedes the old one) or renewed for another lock lifetime. Called
   * at every message of an open session, before its operations are claimed. False when the
   * device is unknown to the source (nothing to lock).
   */
  lease(deviceId: string, owner: string): Promise<boolean>;
  /** the session `owner` ended: its lock is freed unless a newer session holds it */
  endLease(deviceId: string, owner: string): Promise<void>;
}
