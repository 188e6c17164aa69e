import { Logger } from '@nestjs/common';
import { Core, isTerminal, Job, PermanentWakeError, ProtocolDriver } from '@dm-bridge/core';
import { nextWakeDelay } from './backoff';
import { OrchestrationConfig } from './orchestration.config';
import { WakeData } from './queues.service';
import { MetricsRegistry } from './metrics.registry';

/** Transient wake-up errors are retried from this delay up to ERROR_BACKOFF_MAX_MS. */
const ERROR_BACKOFF_BASE_MS = 5000;
const ERROR_BACKOFF_MAX_MS = 60000;
/** How often a job in a session is looked at (a dead holder is seen within this + its heartbeat). */
const SESSION_CHECK_MS = 5_000;

/**
 * One step of a job's life outside a session: wake the device, re-check after a back-off, watch
 * a session, recover a job whose session or wake-up died, expire it at its deadline. A job that
 * is not terminal always has exactly one next step (its token and due time are stored with it):
 * a step first takes the job's token (a stale or duplicate step does nothing), then does its work
 * and stores the next one. A process that dies in between leaves the step overdue, and the
 * reconciler (`JobService.reconcileSteps`) queues it again.
 */
export class WakeupProcessor {
  private readonly log = new Logger('Wakeup');

  constructor(
    private readonly core: Core,
    private readonly config: OrchestrationConfig,
    private readonly metrics: MetricsRegistry,
  ) {}

  /** A slot of jobs: processed 20 at a time; one job's error does not stop the others. */
  async processAll(data: WakeData): Promise<void> {
    const ids = data.jobIds ?? (data.jobId ? [data.jobId] : []);
    const errors: unknown[] = [];
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids
          .slice(i, i + 20)
          .map((id) => this.process(id, data.token).catch((err) => errors.push(err))),
      );
    }
    // A retry of the slot re-runs every job in it; jobs already stepped hold another token.
    if (errors.length) throw errors[0];
  }

  async process(jobId: string, token?: string): Promise<void> {
    const job = await this.core.jobs.find(jobId);
    if (!job || isTerminal(job.state)) return;
    const lease = await this.core.jobs.claimStep(job, token);
    if (!lease) return;
    const next = await this.step(job, Date.now());
    if (next !== null) await this.core.jobs.planStep(job.id, lease, next);
  }

  /** Does what the job needs now; returns when its next step is due, or null once it ended. */
  private async step(job: Job, now: number): Promise<number | null> {
    if (job.campaignId && job.state !== 'in-session') {
      const campaign = await this.core.campaigns.stateOf(job.campaignId);
      if (campaign === 'paused') {
        // Resume schedules it again; until then its next step is its expiry.
        await this.core.campaigns.park(job.campaignId, job.id);
        return job.deadline;
      }
      if (campaign === 'cancelled' || campaign === 'stopped') {
        await this.core.jobs.move(job, 'cancelled');
        return this.reevaluate(job.id, now);
      }
    }

    if (job.state === 'in-session') {
      // The engine serving the device holds its session lock and renews it while the session
      // makes progress; a lock that lapsed, or whose process died (its heartbeat gone), means
      // the session stopped. Looked at every 5 s at most (twice a lock lifetime if shorter).
      if ((await this.core.locks.holderState(job.deviceId)) === 'alive')
        return now + Math.min(SESSION_CHECK_MS, Math.ceil(this.config.sessionLockTtlMs / 2));
      await this.core.jobs.releaseJob(job.id, {
        code: 'session-lost',
        message: 'the session stopped before the job was served',
      });
      return this.reevaluate(job.id, now);
    }

    if (job.state === 'waking') {
      // A wake-up takes milliseconds; one older than the step grace died with its process.
      const lostAt = job.updatedAt + this.config.outboxGraceMs;
      if (now < lostAt) return lostAt;
      await this.core.jobs.wakeDeferred(job, 'interrupted', 'error');
      return this.reevaluate(job.id, now);
    }

    const driver = this.core.drivers.get(job.protocol);
    const sent = job.attempts.some((a) => a.outcome === 'sent');
    if (job.state === 'awaiting-contact' && sent && driver?.deliveryStatus) {
      if (job.protocol === 'omacp') return this.checkDelivery(job, driver, now);
      const status = await driver.deliveryStatus(job);
      if (status.state === 'failed') {
        await this.core.jobs.wakeFailed(
          job,
          status.code ?? 'wake-failed',
          status.detail ?? 'the wake-up was refused for good',
        );
        return this.reevaluate(job.id, now);
      }
    }

    if (now >= job.deadline) {
      if (await this.core.jobs.expire(job.id)) {
        this.metrics.inc('dmb_jobs_expired_total');
        return null;
      }
      return this.reevaluate(job.id, now);
    }
    if ((await this.core.locks.holderState(job.deviceId)) === 'alive') {
      // The device is in a session right now; it will be served there or looked at again.
      return Math.min(now + this.config.wakeBackoffBaseMs, job.deadline);
    }
    return this.wake(job, driver, now);
  }

  /** After a transition: the job's state decides its next step (none once terminal). */
  private async reevaluate(jobId: string, now: number): Promise<number | null> {
    const state = await this.core.jobs.getState(jobId);
    return !state || isTerminal(state) ? null : now;
  }

  private async wake(job: Job, driver: ProtocolDriver | undefined, now: number) {
    const waking = await this.core.jobs.beginWake(job.id);
    // The job moved on meanwhile (a session took it): look again.
    if (!waking) return this.reevaluate(job.id, now + 1000);
    const until = (delay: number) => Math.min(now + delay, job.deadline);
    const device = await this.core.devices.find(job.deviceId);
    if (!device) {
      await this.core.jobs.wakeFailed(waking, 'device-deleted', 'the device was deleted');
      return null;
    }
    if (!driver) {
      // No protocol side in this process can wake the device: wait for it to call in.
      await this.core.jobs.wakeDeferred(waking, `no ${job.protocol} driver registered`);
      return until(this.config.wakeBackoffBaseMs);
    }
    const sentSoFar = waking.attempts.filter((a) => a.outcome === 'sent').length;
    try {
      const outcome = await driver.wake(device, waking);
      this.metrics.inc('dmb_wakeups_total', {
        protocol: job.protocol,
        outcome: outcome.kind === 'pushed' ? 'sent' : outcome.kind,
      });
      switch (outcome.kind) {
        case 'sent':
          await this.core.jobs.wakeSent(waking, outcome.detail);
          return until(this.backoff(sentSoFar + 1, job.deadline - now));
        case 'pushed':
          await this.core.jobs.wakeSent(waking, outcome.detail);
          return now + Math.min(this.config.cpReceiptPollMs, this.config.cpReceiptWindowMs);
        case 'deferred':
          await this.core.jobs.wakeDeferred(waking, outcome.detail);
          return until(outcome.retryAfterMs);
        case 'failed':
          await this.core.jobs.wakeFailed(waking, outcome.code, outcome.detail);
          return null;
      }
    } catch (err) {
      const e = err as Error;
      if (e instanceof PermanentWakeError) {
        this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'failed' });
        await this.core.jobs.wakeFailed(waking, e.code, e.message);
        return null;
      }
      this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'error' });
      this.log.warn(`wake-up of job ${job.id} failed, will retry: ${e.message}`);
      await this.core.jobs.wakeDeferred(waking, `error: ${e.message}`.slice(0, 200), 'error');
      return until(this.errorBackoff(waking));
    }
  }

  /**
   * OMA CP: the push went out. Receipts decide (all segments delivered → succeeded, a permanent
   * failure → failed); none within the receipt window → unconfirmed.
   */
  private async checkDelivery(job: Job, driver: ProtocolDriver, now: number) {
    const sentAt = Math.max(...job.attempts.filter((a) => a.outcome === 'sent').map((a) => a.at));
    const status = await driver.deliveryStatus!(job);
    if (status.state !== 'pending') {
      await this.core.jobs.recordDelivery(job.id, status.state, status.detail, status.code);
      return this.reevaluate(job.id, now);
    }
    const left = sentAt + this.config.cpReceiptWindowMs - now;
    if (left <= 0) {
      const why = `no delivery receipt within ${this.config.cpReceiptWindowMs} ms`;
      await this.core.jobs.recordDelivery(job.id, 'unconfirmed', why);
      return this.reevaluate(job.id, now);
    }
    return now + Math.min(left, this.config.cpReceiptPollMs);
  }

  private backoff(attempt: number, msUntilDeadline: number): number {
    const c = this.config;
    return nextWakeDelay(
      attempt,
      { baseMs: c.wakeBackoffBaseMs, maxMs: c.wakeBackoffMaxMs, jitter: c.wakeJitter },
      Math.max(0, msUntilDeadline),
    );
  }

  /** Back-off over the errors since the last wake-up that went out. */
  private errorBackoff(job: Job): number {
    let errors = 1;
    for (let i = job.attempts.length - 1; i >= 0 && job.attempts[i].outcome === 'error'; i--)
      errors++;
    const base = Math.min(ERROR_BACKOFF_BASE_MS, this.config.wakeBackoffBaseMs);
    return nextWakeDelay(
      errors,
      { baseMs: base, maxMs: Math.max(base, ERROR_BACKOFF_MAX_MS), jitter: this.config.wakeJitter },
      Infinity,
    );
  }
}
