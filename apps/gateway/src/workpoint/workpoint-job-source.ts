import type { JobOutcome, WorkpointEvent, WorkpointItem, WorkpointJob } from '@dm-bridge/workpoint';

export const WORKPOINT_JOB_SOURCE = Symbol('WORKPOINT_JOB_SOURCE');

/** What a phone should be doing: queued jobs (oldest first) and the item values it should have. */
export interface WorkpointWork {
  jobs: WorkpointJob[];
  desired?: WorkpointItem[];
}

/**
 * Where Workpoint interactions get their work and deliver results. Core implements it over its
 * jobs and profiles; `RedisWorkpointJobSource` is the stand-alone implementation (tests, demo,
 * benchmark). Jobs stay queued until `complete` — a busy phone or a lost interaction never
 * loses one.
 */
export interface WorkpointJobSource {
  /**
   * Pending jobs and desired items of a phone (keyed by canonical MAC `00:1A:E8:00:00:01`).
   * Called at every session-opening request. A job must come back on every call until
   * `complete` was called for it: an interaction cut short (busy phone, abort, reboot) simply
   * serves it again at the next contact; the engine itself skips jobs it is waiting to confirm.
   */
  work(mac: string): Promise<WorkpointWork>;
  /** true when jobs wait for the phone (DCMP answers 202, contact-me is worth sending) */
  hasPending(mac: string): Promise<boolean>;
  /** a job's final outcome; the job leaves the queue */
  complete(mac: string, outcome: JobOutcome): Promise<void>;
  /** contact-me gave up: record the fault on the phone's waiting jobs (they stay queued) */
  fault(mac: string, message: string): Promise<void>;
  /** every engine event (registration, inventory, busy, clean-up, rejected requests …) */
  event(event: WorkpointEvent): Promise<void>;
}
