import { Job, JobAttempt, JobFault, JobState, OperationResult } from './job.model';

export interface TransitionOptions {
  attempt?: JobAttempt;
  fault?: JobFault;
  results?: OperationResult[];
}

export type TransitionOutcome =
  | { ok: true; from: JobState }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'denied'; current: JobState };

export interface JobFilter {
  deviceId?: string;
  campaignId?: string;
  state?: JobState;
}

/**
 * Storage of jobs. Every state change is one atomic compare-and-set so that two workers (or a
 * worker restarted mid-way) can never apply a transition twice.
 */
export interface JobRepository {
  /** A new job id for a device (it tells where the job is stored). */
  newJobId(deviceId: string): string;
  /**
   * Creates the job unless its idempotency key is taken; then returns the existing job's id.
   * `jobId` is the id the job was stored under: the job's own, or the one an earlier, interrupted
   * request with the same idempotency key had reserved.
   */
  create(
    job: Job,
    fingerprint?: string,
  ): Promise<
    { created: true; jobId: string } | { created: false; existingId: string; sameRequest: boolean }
  >;
  createMany(jobs: Job[]): Promise<({ created: true } | { created: false; existingId: string })[]>;
  get(id: string): Promise<Job | null>;
  getMany(ids: string[]): Promise<(Job | null)[]>;
  getState(id: string): Promise<JobState | null>;
  transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    opts?: TransitionOptions,
  ): Promise<TransitionOutcome>;
  /** Collects per-operation results; returns them all once the last one arrived. */
  putPartialResult(
    id: string,
    index: number,
    result: OperationResult,
    total: number,
  ): Promise<OperationResult[] | null>;
  /** Non-terminal jobs of a device, oldest first. */
  pendingIds(deviceId: string): Promise<string[]>;
  list(
    filter: JobFilter,
    after: string | undefined,
    limit: number,
  ): Promise<{ items: Job[]; nextCursor?: string }>;
  countByState(): Promise<Record<string, number>>;
  trimIndex(before: number): Promise<number>;
  /** The wake-ups of these jobs are queued (they leave the schedule outbox). */
  markScheduled(ids: string[]): Promise<void>;
  /** Ids of jobs stored before `before` whose wake-up was never confirmed queued. */
  unscheduled(before: number, limit: number): Promise<string[]>;
  /** A campaign's job ids, in batches. */
  campaignJobIds(campaignId: string, batch?: number): AsyncGenerator<string[]>;
  /** A campaign's finished-job counters (`done`, `n:<state>`). */
  campaignCounts(campaignId: string): Promise<Record<string, number>>;
}
