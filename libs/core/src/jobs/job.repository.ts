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
  /** `to` null: no state change, only the attempt/fault/results of `opts` are recorded. */
  transition(
    id: string,
    from: readonly JobState[],
    to: JobState | null,
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
  /**
   * Sets a job's next step; with `expectToken`, only if the job's current step is that one (a
   * compare-and-set: of two processes running the same step, one goes on). False for a terminal
   * job.
   */
  setNextStep(
    id: string,
    step: { token: string; at: number },
    expectToken?: string,
  ): Promise<boolean>;
  /** Ids of non-terminal jobs whose next step was due before `before` (up to `limit` per shard). */
  overdueSteps(before: number, limit: number): Promise<string[]>;
  /** A campaign's job ids, in batches. */
  campaignJobIds(campaignId: string, batch?: number): AsyncGenerator<string[]>;
  /** A campaign's finished-job counters (`done`, `n:<state>`). */
  campaignCounts(campaignId: string): Promise<Record<string, number>>;
}
