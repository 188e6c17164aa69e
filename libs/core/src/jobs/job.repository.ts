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
  /** Creates the job unless its idempotency key is taken; then returns the existing job's id. */
  create(
    job: Job,
    fingerprint?: string,
  ): Promise<{ created: true } | { created: false; existingId: string; sameRequest: boolean }>;
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
}
