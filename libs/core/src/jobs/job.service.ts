import { createHash, randomBytes } from 'node:crypto';
import { ParameterCatalog } from '../catalog/parameter-catalog';
import { Device } from '../devices/device.model';
import { DeviceService } from '../devices/device.service';
import { checkSecureBootstrapArgs } from '../drivers/compile-workpoint';
import { PROTOCOL_CAPABILITIES } from '../drivers/protocol-driver';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../errors';
import { event, EventPublisher, CoreEvent } from '../events/core-event';
import { MASKED, SecretBox } from '../secrets/secret-box';
import { outcomeOf, transitionSources, WAITING_STATES } from './job-state-machine';
import {
  isTerminal,
  Job,
  JobFault,
  JobOperation,
  JobState,
  OPERATION_KINDS,
  OperationInput,
  OperationResult,
} from './job.model';
import { JobFilter, JobRepository, TransitionOptions } from './job.repository';

export interface CreateJobInput {
  deviceId: string;
  operations: OperationInput[];
  /** How long wake-ups are retried before the job expires. */
  deadlineSeconds?: number;
  idempotencyKey?: string;
}

/** A job's next step as queued: the job, its step token, when it is due. */
export interface ScheduledStep {
  jobId: string;
  token: string;
  at: number;
}

/**
 * Orchestration's side: queues steps (wake-up, re-check, expiry) to run when due. Queueing the
 * same job and token twice adds nothing.
 */
export interface JobScheduler {
  schedule(steps: ScheduledStep[]): Promise<void>;
}

export const NO_SCHEDULER: JobScheduler = { schedule: async () => undefined };

export interface JobServiceOptions {
  defaultDeadlineSeconds: number;
  maxDeadlineSeconds: number;
  maxOperations: number;
}

const DEFAULTS: JobServiceOptions = {
  defaultDeadlineSeconds: 3600,
  maxDeadlineSeconds: 30 * 86400,
  maxOperations: 200,
};
const NEEDS_PATH = ['set', 'get', 'add', 'delete', 'exec'];
const NEEDS_VALUE = ['set', 'add'];
/** A fresh job's first step, written with the job: the reconciler finds it if it is never queued. */
const FIRST_STEP = '0';

/** A new step token: unique per step, so each attempt is its own BullMQ job. */
function stepToken(): string {
  return Date.now().toString(36) + randomBytes(3).toString('base64url');
}

/** A job as the API shows it. */
export interface JobView extends Omit<
  Job,
  'createdAt' | 'updatedAt' | 'deadline' | 'attempts' | 'faults' | 'nextStep'
> {
  createdAt: string;
  updatedAt: string;
  deadline: string;
  /** When the job's next step (wake-up, re-check or expiry) is due; absent once terminal. */
  nextStepAt?: string;
  /**
   * Why the last wake-up did not go out, while the job waits to try again (a job in
   * `awaiting-contact` whose device was never notified is not healthy).
   */
  lastError?: { at: string; message: string };
  attempts: (Omit<Job['attempts'][number], 'at'> & { at: string })[];
  faults: (Omit<JobFault, 'at'> & { at: string })[];
}

export class JobService {
  private readonly options: JobServiceOptions;
  scheduler: JobScheduler = NO_SCHEDULER;
  events: EventPublisher;
  /** Called after a campaign job reached a final state (the campaign's threshold check). */
  onCampaignJobFinished?: (campaignId: string) => Promise<void>;
  /** Told of every state change of a campaign's job (synchronously; must not throw). */
  onCampaignJobMoved?: (campaignId: string) => void;

  constructor(
    private readonly repo: JobRepository,
    private readonly devices: DeviceService,
    private readonly catalog: () => ParameterCatalog,
    private readonly box: SecretBox,
    events: EventPublisher,
    options: Partial<JobServiceOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.events = events;
  }

  /** Binds unified operations to the device's protocol; refuses what the protocol cannot do. */
  compileOperations(device: Device, inputs: unknown): JobOperation[] {
    if (!Array.isArray(inputs) || inputs.length === 0) {
      throw new ValidationError('invalid-operations', 'operations must be a non-empty array');
    }
    if (inputs.length > this.options.maxOperations) {
      throw new ValidationError(
        'too-many-operations',
        `a job holds at most ${this.options.maxOperations} operations`,
      );
    }
    const catalog = this.catalog();
    return inputs.map((raw, i) => {
      const input = raw as OperationInput;
      const where = { index: i };
      if (!input || typeof input !== 'object' || !OPERATION_KINDS.includes(input.op)) {
        throw new ValidationError(
          'invalid-operation',
          `operations[${i}].op must be one of ${OPERATION_KINDS.join(', ')}`,
          where,
        );
      }
      if (!PROTOCOL_CAPABILITIES[device.protocol].includes(input.op)) {
        if (device.protocol === 'omacp' && input.op === 'get') {
          throw new ValidationError(
            'cp-read-refused',
            `operations[${i}]: OMA Client Provisioning is a one-way push and cannot read '${input.path ?? ''}'; use an OMA DM or Workpoint device to read values`,
            where,
          );
        }
        throw new ValidationError(
          'unsupported-operation',
          input.op === 'secureBootstrap'
            ? `operations[${i}]: 'secureBootstrap' is the Workpoint (OpenStage) secure-mode bootstrap; ${device.protocol} devices do not support it`
            : `operations[${i}]: ${device.protocol} devices do not support '${input.op}'`,
          where,
        );
      }
      const op: JobOperation = { op: input.op };
      if (input.op === 'secureBootstrap') {
        if (input.path !== undefined || input.value !== undefined)
          throw new ValidationError(
            'unexpected-value',
            `operations[${i}]: 'secureBootstrap' takes no path or value, only args`,
            where,
          );
        const checked = checkSecureBootstrapArgs(input.args, `operations[${i}]`);
        // the client certificate carries the phone's private key: sealed like a password
        op.value = this.box.seal(checked.clientCertificate);
        op.args = checked.args;
        return op;
      }
      if (NEEDS_PATH.includes(input.op)) {
        if (typeof input.path !== 'string' || !input.path) {
          throw new ValidationError(
            'missing-path',
            `operations[${i}].path is required for '${input.op}'`,
            where,
          );
        }
        op.path = input.path;
        op.target = catalog.resolve(input.path, device);
      }
      if (NEEDS_VALUE.includes(input.op)) {
        const text = catalog.validateValue(input.path!, input.value);
        op.value = op.target?.secret ? this.box.seal(text) : text;
      } else if (input.op === 'get' && input.value !== undefined) {
        throw new ValidationError(
          'unexpected-value',
          `operations[${i}]: 'get' takes no value`,
          where,
        );
      }
      if (input.args !== undefined) {
        if (!input.args || typeof input.args !== 'object' || Array.isArray(input.args)) {
          throw new ValidationError(
            'invalid-args',
            `operations[${i}].args must be an object`,
            where,
          );
        }
        op.args = input.args;
      }
      return op;
    });
  }

  private deadline(now: number, seconds: unknown): number {
    if (seconds === undefined) return now + this.options.defaultDeadlineSeconds * 1000;
    if (
      typeof seconds !== 'number' ||
      !Number.isFinite(seconds) ||
      seconds < 1 ||
      seconds > this.options.maxDeadlineSeconds
    ) {
      throw new ValidationError(
        'invalid-deadline',
        `deadlineSeconds must be between 1 and ${this.options.maxDeadlineSeconds}`,
      );
    }
    return now + Math.round(seconds * 1000);
  }

  /** Builds a job for a device without storing it (used by create, campaigns and preview). */
  buildJob(
    device: Device,
    operations: JobOperation[],
    opts: {
      deadline: number;
      campaignId?: string;
      idempotencyKey?: string;
      id?: string;
      /** when the first wake-up is due (default: now) */
      firstStepAt?: number;
    },
    now = Date.now(),
  ): Job {
    const job: Job = {
      id: opts.id ?? this.repo.newJobId(device.id),
      deviceId: device.id,
      protocol: device.protocol,
      state: 'queued',
      operations,
      results: [],
      attempts: [],
      faults: [],
      createdAt: now,
      updatedAt: now,
      deadline: opts.deadline,
      nextStep: { token: FIRST_STEP, at: opts.firstStepAt ?? now },
    };
    if (opts.campaignId) job.campaignId = opts.campaignId;
    if (opts.idempotencyKey) job.idempotencyKey = opts.idempotencyKey;
    return job;
  }

  /** Validates without storing: the job that `create` would make (for previews). */
  async draft(input: CreateJobInput): Promise<{ device: Device; job: Job }> {
    const device = await this.devices.get(String(input.deviceId));
    const operations = this.compileOperations(device, input.operations);
    return {
      device,
      job: this.buildJob(device, operations, {
        deadline: this.deadline(Date.now(), input.deadlineSeconds),
      }),
    };
  }

  async create(input: CreateJobInput): Promise<{ job: Job; created: boolean }> {
    if (!input || typeof input.deviceId !== 'string')
      throw new ValidationError('missing-device', 'deviceId is required');
    const key = input.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(key))) {
      throw new ValidationError(
        'invalid-idempotency-key',
        'Idempotency-Key must be 1 to 128 visible ASCII characters',
      );
    }
    const device = await this.devices.get(input.deviceId);
    const operations = this.compileOperations(device, input.operations);
    const now = Date.now();
    const job = this.buildJob(
      device,
      operations,
      { deadline: this.deadline(now, input.deadlineSeconds), idempotencyKey: key },
      now,
    );
    const fingerprint = key ? requestFingerprint(input) : '';
    const result = await this.repo.create(job, fingerprint);
    if (!result.created) {
      if (!result.sameRequest) {
        throw new ConflictError(
          'idempotency-key-reused',
          `Idempotency-Key '${key}' was used for a different request`,
          { jobId: result.existingId },
        );
      }
      return { job: await this.get(result.existingId), created: false };
    }
    job.id = result.jobId;
    await this.schedule([{ job, wakeDelayMs: 0 }]);
    await this.events.publish([stateEvent(job, 'queued')]);
    return { job, created: true };
  }

  /** Stores jobs built by `buildJob` (campaign fan-out); the caller schedules them. */
  createMany(jobs: Job[]) {
    return this.repo.createMany(jobs);
  }

  async get(id: string): Promise<Job> {
    const job = await this.repo.get(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }

  find(id: string) {
    return this.repo.get(id);
  }

  getState(id: string) {
    return this.repo.getState(id);
  }

  list(filter: JobFilter, cursor: string | undefined, limit: number) {
    return this.repo.list(filter, cursor, limit);
  }

  countByState() {
    return this.repo.countByState();
  }

  /**
   * Retention of the job listing index: entries older than the longest deadline plus the
   * retention period point at jobs whose hashes have expired.
   */
  trimIndex(retentionMs: number, now = Date.now()): Promise<number> {
    return this.repo.trimIndex(now - retentionMs - this.options.maxDeadlineSeconds * 1000);
  }

  view(job: Job, reveal = false): JobView {
    const { nextStep, ...rest } = job;
    const last = job.attempts[job.attempts.length - 1];
    return {
      ...rest,
      ...(nextStep && !isTerminal(job.state)
        ? { nextStepAt: new Date(nextStep.at).toISOString() }
        : {}),
      ...(last?.outcome === 'error' && !isTerminal(job.state)
        ? { lastError: { at: new Date(last.at).toISOString(), message: last.detail ?? 'error' } }
        : {}),
      operations: job.operations.map((o) =>
        o.value !== undefined && SecretBox.isSealed(o.value)
          ? { ...o, value: reveal ? this.box.open(o.value) : MASKED }
          : o,
      ),
      createdAt: new Date(job.createdAt).toISOString(),
      updatedAt: new Date(job.updatedAt).toISOString(),
      deadline: new Date(job.deadline).toISOString(),
      attempts: job.attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
      faults: job.faults.map((f) => ({ ...f, at: new Date(f.at).toISOString() })),
    };
  }

  /** Operations with secrets opened, for the protocol engines that send them. */
  revealOperations(job: Job): JobOperation[] {
    return job.operations.map((o) =>
      o.value !== undefined && SecretBox.isSealed(o.value)
        ? { ...o, value: this.box.open(o.value) }
        : o,
    );
  }

  /**
   * Applies one transition of the job state machine and emits its event; returns false when the
   * job had moved on. The machine says where `to` may be entered from; `opts.from` narrows that
   * (and may not widen it).
   */
  async move(
    job: Pick<Job, 'id' | 'deviceId' | 'campaignId'>,
    to: JobState,
    opts: TransitionOptions & { from?: readonly JobState[] } = {},
  ): Promise<boolean> {
    const { from, ...change } = opts;
    const outcome = await this.repo.transition(job.id, transitionSources(to, from), to, change);
    if (!outcome.ok) return false;
    const e = stateEvent(job, to, outcome.from);
    // Time from creation to the final state, for latency metrics.
    const createdAt = (job as Partial<Job>).createdAt;
    if (isTerminal(to) && createdAt) e.data.durationMs = Date.now() - createdAt;
    await this.events.publish([e]);
    if (job.campaignId) this.onCampaignJobMoved?.(job.campaignId);
    if (job.campaignId && isTerminal(to)) await this.onCampaignJobFinished?.(job.campaignId);
    return true;
  }

  async cancel(id: string): Promise<Job> {
    const job = await this.get(id);
    if (!(await this.move(job, 'cancelled'))) {
      const current = (await this.repo.getState(id)) ?? job.state;
      if (current === 'cancelled') return this.get(id);
      throw new InvalidTransitionError('job', id, current, 'cancelled');
    }
    return this.get(id);
  }

  /** A finished job again, as a new job with the same operations. */
  async retry(id: string): Promise<Job> {
    const old = await this.get(id);
    if (!isTerminal(old.state)) {
      throw new InvalidTransitionError('job', id, old.state, 'retried');
    }
    const device = await this.devices.get(old.deviceId);
    const now = Date.now();
    const job = this.buildJob(
      device,
      old.operations,
      { deadline: now + (old.deadline - old.createdAt) },
      now,
    );
    await this.repo.create(job);
    await this.schedule([{ job, wakeDelayMs: 0 }]);
    await this.events.publish([stateEvent(job, 'queued')]);
    return job;
  }

  // ---- orchestration side -------------------------------------------------------------

  /**
   * Queues the first wake-up of stored jobs, `wakeDelayMs` from now (jobs parked by a paused
   * campaign get a new step). A fresh job's first step was stored with it: a crash before it is
   * queued leaves it overdue for `reconcileSteps`.
   */
  async schedule(items: { job: Job; wakeDelayMs: number }[]): Promise<void> {
    // Without a queue (a tool or test on core alone) the jobs stay for a worker's reconciler.
    if (!items.length || this.scheduler === NO_SCHEDULER) return;
    const now = Date.now();
    const token = stepToken();
    const steps: ScheduledStep[] = [];
    const moved: ScheduledStep[] = [];
    for (const { job, wakeDelayMs } of items) {
      if (job.state === 'queued' && job.nextStep?.token === FIRST_STEP) {
        steps.push({ jobId: job.id, token: FIRST_STEP, at: job.nextStep.at });
      } else {
        const step = { jobId: job.id, token, at: now + wakeDelayMs };
        moved.push(step);
        steps.push(step);
      }
    }
    await Promise.all(moved.map((s) => this.repo.setNextStep(s.jobId, s)));
    await this.scheduler.schedule(steps);
  }

  /**
   * The reconciler: a job whose next step is overdue by more than `graceMs` lost it (its process
   * died before queueing it, or while running it); it is queued again under the same token.
   * Queueing a step that still exists adds nothing, so any number of processes may run this.
   */
  async reconcileSteps(graceMs: number, limit = 500): Promise<number> {
    const now = Date.now();
    const ids = await this.repo.overdueSteps(now - graceMs, limit);
    if (!ids.length) return 0;
    const steps = (await this.repo.getMany(ids))
      .filter((j): j is Job => !!j && !isTerminal(j.state) && !!j.nextStep)
      .map((j) => ({ jobId: j.id, token: j.nextStep!.token, at: now }));
    await this.scheduler.schedule(steps);
    return steps.length;
  }

  /**
   * Takes the job's due step for this process: its token is replaced by a lease due now, so a
   * process that dies while running the step leaves it overdue for the reconciler. Null when the
   * step is stale (another step was scheduled since) or another process took it.
   */
  async claimStep(job: Job, token: string | undefined): Promise<string | null> {
    const current = job.nextStep?.token;
    if (current !== undefined && token !== undefined && token !== current) return null;
    const lease = stepToken();
    return (await this.repo.setNextStep(job.id, { token: lease, at: Date.now() }, current ?? ''))
      ? lease
      : null;
  }

  /** Schedules the step after the one held under `lease`; false when the job moved on. */
  async planStep(jobId: string, lease: string, at: number): Promise<boolean> {
    const step = { jobId, token: stepToken(), at };
    if (!(await this.repo.setNextStep(jobId, step, lease))) return false;
    await this.scheduler.schedule([step]);
    return true;
  }

  /** A campaign's job ids, in batches. */
  campaignJobIds(campaignId: string, batch?: number): AsyncGenerator<string[]> {
    return this.repo.campaignJobIds(campaignId, batch);
  }

  /** A campaign's finished-job counters (`done`, `n:<state>`), summed over shards. */
  campaignCounts(campaignId: string): Promise<Record<string, number>> {
    return this.repo.campaignCounts(campaignId);
  }

  /** queued/awaiting-contact → waking. Null when the job is no longer waiting for a wake-up. */
  async beginWake(id: string): Promise<Job | null> {
    const job = await this.repo.get(id);
    if (!job || !['queued', 'awaiting-contact'].includes(job.state)) return null;
    return (await this.move(job, 'waking')) ? { ...job, state: 'waking' } : null;
  }

  async wakeSent(job: Job, detail?: string): Promise<boolean> {
    return this.move(job, 'awaiting-contact', {
      from: ['waking'],
      attempt: {
        n: job.attempts.length + 1,
        at: Date.now(),
        kind: 'wake',
        outcome: 'sent',
        detail,
      },
    });
  }

  /**
   * A wake-up that did not go out for a transient cause (contact gap, throttling, SMSC or Redis
   * trouble): back to waiting for the next attempt. `outcome` says which: 'deferred' (held back on
   * purpose) or 'error'.
   */
  async wakeDeferred(job: Job, detail?: string, outcome = 'deferred'): Promise<boolean> {
    return this.move(job, 'awaiting-contact', {
      from: ['waking'],
      attempt: { n: job.attempts.length + 1, at: Date.now(), kind: 'wake', outcome, detail },
    });
  }

  /**
   * A permanent cause found while serving or preparing the job (its operations cannot be
   * compiled, the device keeps refusing the credentials): it fails now, wherever it is, each
   * operation failed with the cause, instead of being retried until its deadline.
   */
  async failJob(id: string, code: string, message: string): Promise<boolean> {
    const job = await this.repo.get(id);
    if (!job) return false;
    return this.move(job, 'failed', {
      results: job.operations.map(() => ({ status: 'failed', code, message })),
      fault: { at: Date.now(), code, message },
    });
  }

  /** A permanent cause: the job can never reach the device as it is; it fails now. */
  async wakeFailed(job: Job, code: string, message: string): Promise<boolean> {
    const at = Date.now();
    return this.move(job, 'failed', {
      from: WAITING_STATES,
      attempt: { n: job.attempts.length + 1, at, kind: 'wake', outcome: 'failed', detail: message },
      fault: { at, code, message },
    });
  }

  async expire(id: string): Promise<boolean> {
    const job = await this.repo.get(id);
    if (!job) return false;
    return this.move(job, 'expired', {
      fault: {
        at: Date.now(),
        code: 'no-contact',
        message: `device did not answer before the deadline after ${job.attempts.length} wake-up attempt(s)`,
      },
    });
  }

  // ---- session port (what the protocol engines call) -----------------------------------

  /** Non-terminal jobs of a device, oldest first, without changing them. */
  async pendingJobs(deviceId: string): Promise<Job[]> {
    const jobs = await this.repo.getMany(await this.repo.pendingIds(deviceId));
    return jobs.filter((j): j is Job => !!j && !isTerminal(j.state));
  }

  /**
   * A session took these jobs (the engine holds the device's session lock): they move to
   * `in-session`; returns those that moved (jobs already there, or finished, stay as they are).
   */
  async claimJobs(ids: string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const id of ids) {
      const job = await this.repo.get(id);
      if (job && (await this.move(job, 'in-session'))) moved.push(id);
    }
    return moved;
  }

  /** One operation's result; the job ends when all of its operations have one. */
  async recordOperationResult(
    id: string,
    index: number,
    result: OperationResult,
  ): Promise<JobState | null> {
    const job = await this.repo.get(id);
    if (!job || index < 0 || index >= job.operations.length) return null;
    const all = await this.repo.putPartialResult(id, index, result, job.operations.length);
    return all ? this.completeJob(id, all) : null;
  }

  /** Notes a fault on a waiting job without changing its state (e.g. contact-me gave up). */
  async addFault(id: string, code: string, message: string): Promise<boolean> {
    const state = await this.repo.getState(id);
    if (!state || isTerminal(state)) return false;
    return (
      await this.repo.transition(id, [state], null, { fault: { at: Date.now(), code, message } })
    ).ok;
  }

  /** Records the results of a served job and ends it (succeeded, partial or failed). */
  async completeJob(
    id: string,
    results: OperationResult[],
    fault?: { code: string; message: string },
  ): Promise<JobState | null> {
    const job = await this.get(id);
    if (results.length !== job.operations.length) {
      throw new ValidationError(
        'results-mismatch',
        `job ${id} has ${job.operations.length} operations, got ${results.length} results`,
      );
    }
    // Results are authoritative: a job a watchdog had put back to waiting was served after all.
    if (job.state !== 'in-session') await this.move(job, 'in-session');
    const to = outcomeOf(results);
    const ok = await this.move(job, to, {
      from: ['in-session'],
      results,
      fault: fault ? { at: Date.now(), ...fault } : undefined,
    });
    if (ok) await this.recordLearned(job, results, 'written');
    return ok ? to : null;
  }

  /** A session ended before serving the job: it waits for the next contact (or wake-up). */
  async releaseJob(id: string, fault?: { code: string; message: string }): Promise<boolean> {
    const job = await this.repo.get(id);
    if (!job) return false;
    return this.move(job, 'awaiting-contact', {
      from: ['in-session'],
      fault: fault ? { at: Date.now(), ...fault } : undefined,
    });
  }

  /**
   * OMA CP outcome from delivery receipts: every segment delivered → succeeded; a permanent
   * failure → failed; accepted but no receipt in the window → unconfirmed.
   */
  async recordDelivery(
    id: string,
    outcome: 'delivered' | 'failed' | 'unconfirmed',
    detail?: string,
    /** the SMS side's stable failure code; 'expired' when the push ran out of time */
    code?: string,
  ): Promise<boolean> {
    const job = await this.get(id);
    const to: JobState =
      outcome === 'delivered' ? 'succeeded' : code === 'expired' ? 'expired' : outcome;
    const status = outcome === 'delivered' ? 'ok' : 'failed';
    await this.events.publish([
      event('sms.receipt', { jobId: id, deviceId: job.deviceId, outcome, detail }),
    ]);
    const results: OperationResult[] = job.operations.map(() => ({
      status,
      code: outcome,
      message: detail,
    }));
    const moved = await this.move(job, to, {
      from: ['waking', 'awaiting-contact'],
      results,
      fault:
        outcome === 'delivered'
          ? undefined
          : {
              at: Date.now(),
              code: outcome === 'failed' ? (code ?? 'delivery-failed') : 'no-receipt',
              message: detail ?? outcome,
            },
    });
    if (moved && outcome === 'delivered') await this.recordLearned(job, results, 'delivered');
    return moved;
  }

  /**
   * The device's inventory learns from a finished job: each value an operation wrote (`written`,
   * or `delivered` for a CP push) or read, with the time and the job. Secrets only as a keyed
   * fingerprint, as desired values are recorded.
   */
  private async recordLearned(
    job: Job,
    results: OperationResult[],
    wrote: 'written' | 'delivered',
  ): Promise<void> {
    const at = Date.now();
    const written: Record<string, string> = {};
    const read: Record<string, string> = {};
    const kept = (value: string, secret?: boolean) => {
      const plain = SecretBox.isSealed(value) ? this.box.open(value) : value;
      return secret || plain !== value ? this.box.fingerprint(plain) : plain;
    };
    job.operations.forEach((op, i) => {
      const r = results[i];
      if (r?.status !== 'ok' || !op.target) return;
      if ((op.op === 'set' || op.op === 'add') && op.value !== undefined)
        written[op.target.path] = kept(op.value, op.target.secret);
      else if (op.op === 'get' && r.value !== undefined)
        read[op.target.path] = kept(r.value, op.target.secret);
    });
    await this.devices.recordValues(job.deviceId, written, { at, source: wrote, jobId: job.id });
    await this.devices.recordValues(job.deviceId, read, { at, source: 'read', jobId: job.id });
  }
}

/** What makes two job requests with one idempotency key the same request. */
export function requestFingerprint(input: CreateJobInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.deviceId, input.operations, input.deadlineSeconds ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

function stateEvent(
  job: Pick<Job, 'id' | 'deviceId' | 'campaignId'>,
  state: JobState,
  from?: JobState,
): CoreEvent {
  return event('job.state', {
    jobId: job.id,
    deviceId: job.deviceId,
    campaignId: job.campaignId,
    state,
    from,
  });
}
