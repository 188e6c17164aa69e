import type { JobOutcome, WorkpointEvent, WorkpointItem, WorkpointJob } from '@dm-bridge/workpoint';

export const WORKPOINT_JOB_SOURCE = Symbol('WORKPOINT_JOB_SOURCE');

/** What a phone should be doing: pending jobs (oldest first) and the item values it should have. */
export interface WorkpointWork {
  jobs: WorkpointJob[];
  desired?: WorkpointItem[];
  /**
   * Handle of the phone's session lease (core: the device id), taken for the opening session
   * before its jobs were claimed; absent for a phone the source does not know (yet).
   */
  lease?: string;
  /** the phone is a device the source knows (registration policy does not apply to it) */
  known?: boolean;
  /** the client certificate the phone is bound to in secure mode (core: kept with the device) */
  certFingerprint?: string;
}

/**
 * Where Workpoint interactions get their work and deliver results. Core implements it over its
 * jobs and profiles (`CoreWorkpointJobSource`). Jobs stay pending until `complete` — a busy phone
 * or a lost interaction never loses one.
 *
 * Session lease (one session story, docs/workpoint.md): the phone's session holds the device's
 * session lock from its opening request, renewed at every request while it makes progress, and
 * released when it ends. A job handed to a session whose lease has lapsed is, for core's
 * watchdog, a lost session.
 */
export interface WorkpointJobSource {
  /**
   * Pending jobs and desired items of a phone (keyed by canonical MAC `00:1A:E8:00:00:01`).
   * Called at every session-opening request with that session's id: the lease is taken for it
   * (superseding any older session) before the jobs are claimed. A job comes back on every call
   * until `complete` was called for it: an interaction cut short (busy phone, abort, reboot)
   * serves it again at the next contact; the engine itself skips jobs it is waiting to confirm.
   */
  work(mac: string, session: string): Promise<WorkpointWork>;
  /** The session `session` made progress: hold the lease for it for `ttlMs` (whoever held it). */
  holdSession(lease: string, session: string, ttlMs: number): Promise<void>;
  /** The session `session` ended: free the lease if it still holds it. */
  endSession(lease: string, session: string): Promise<void>;
  /** true when jobs wait for the phone (DCMP answers 202, contact-me is worth sending) */
  hasPending(mac: string): Promise<boolean>;
  /** a job's final outcome; the job leaves the queue */
  complete(mac: string, outcome: JobOutcome): Promise<void>;
  /** contact-me gave up: record the fault on the phone's waiting jobs (they stay queued) */
  fault(mac: string, message: string): Promise<void>;
  /** every engine event (registration, inventory, busy, clean-up, rejected requests …) */
  event(event: WorkpointEvent): Promise<void>;
}
