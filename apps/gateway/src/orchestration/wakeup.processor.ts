import { Logger } from '@nestjs/common';
import { Core, Job } from '@dm-bridge/core';
import { nextWakeDelay } from './backoff';
import { OrchestrationConfig } from './orchestration.config';
import { QueuesService, WakeData } from './queues.service';
import { MetricsRegistry } from './metrics.registry';

/**
 * One step of a job's life outside a session: wake the device, re-check after a back-off,
 * recover a job whose session died, expire it at its deadline. Every step is idempotent on the
 * job's stored state, so a step run twice (worker killed, BullMQ retry) changes nothing twice.
 */
export class WakeupProcessor {
  private readonly log = new Logger('Wakeup');

  constructor(
    private readonly core: Core,
    private readonly queues: QueuesService,
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
          .map((id) => this.process(id, data.first).catch((err) => errors.push(err))),
      );
    }
    // A retry of the slot re-runs every job in it; each step is idempotent on the stored state.
    if (errors.length) throw errors[0];
  }

  /**
   * `first`: the wake-up queued when the job was stored. A job already being woken or woken has
   * its own chain of re-checks, so a second first wake-up (the outbox reconciler re-queued a job
   * whose wake-up was queued after all, just before a crash) changes nothing.
   */
  async process(jobId: string, first = false): Promise<void> {
    let job = await this.core.jobs.find(jobId);
    if (
      !job ||
      ['succeeded', 'partial', 'failed', 'expired', 'cancelled', 'unconfirmed'].includes(job.state)
    )
      return;
    if (first && (job.state === 'waking' || job.state === 'awaiting-contact')) return;
    const now = Date.now();

    if (job.campaignId && job.state !== 'in-session') {
      const campaign = await this.core.campaigns.stateOf(job.campaignId);
      if (campaign === 'paused') return this.core.campaigns.park(job.campaignId, job.id);
      if (campaign === 'cancelled' || campaign === 'stopped') {
        await this.core.jobs.move(job, ['queued', 'waking', 'awaiting-contact'], 'cancelled');
        return;
      }
    }

    if (job.state === 'in-session') {
      // Engines with their own session store do not hold core's lock: give any session the
      // lock's lifetime before deciding it died.
      const recent = now - job.updatedAt < this.config.sessionLockTtlMs;
      if (recent || (await this.core.locks.holder(job.deviceId))) {
        const wait = recent
          ? job.updatedAt + this.config.sessionLockTtlMs - now
          : this.config.sessionLockTtlMs;
        return this.queues.recheck(job.id, wait, `s${now}`);
      }
      // The session's process died: its lock lapsed. The job waits for a new contact.
      await this.core.jobs.releaseJob(job.id, {
        code: 'session-lost',
        message: 'session ended without a result',
      });
      job = (await this.core.jobs.find(jobId))!;
    }

    if (job.state === 'waking' && now - job.updatedAt > 30000) {
      // A worker died between "waking" and the outcome: count it and carry on.
      await this.core.jobs.wakeDeferred(job, 'interrupted');
      job = (await this.core.jobs.find(jobId))!;
    }

    if (
      job.protocol === 'omacp' &&
      job.state === 'awaiting-contact' &&
      job.attempts.some((a) => a.outcome === 'sent')
    ) {
      return this.checkDelivery(job, now);
    }

    if (now >= job.deadline) {
      if (await this.core.jobs.expire(job.id)) this.metrics.inc('dmb_jobs_expired_total');
      return;
    }
    if (job.state !== 'queued' && job.state !== 'awaiting-contact') return;
    if (await this.core.locks.holder(job.deviceId)) {
      // The device is in a session right now; it will be served there or re-checked.
      return this.queues.recheck(
        job.id,
        Math.min(this.config.wakeBackoffBaseMs, job.deadline - now),
        `l${now}`,
      );
    }
    await this.wake(job, now);
  }

  private async wake(job: Job, now: number): Promise<void> {
    const waking = await this.core.jobs.beginWake(job.id);
    if (!waking) return;
    const device = await this.core.devices.find(job.deviceId);
    const driver = this.core.drivers.get(job.protocol);
    const sentSoFar = waking.attempts.filter((a) => a.outcome === 'sent').length;
    if (!device) {
      await this.core.jobs.wakeFailed(waking, 'device-deleted', 'the device was deleted');
      return;
    }
    if (!driver) {
      // No protocol side in this process can wake the device: wait for it to call in.
      await this.core.jobs.wakeDeferred(waking, `no ${job.protocol} driver registered`);
      return this.scheduleNext(waking, sentSoFar + 1, now);
    }
    try {
      const outcome = await driver.wake(device, waking);
      switch (outcome.kind) {
        case 'sent':
        case 'pushed':
          this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'sent' });
          await this.core.jobs.wakeSent(waking, outcome.detail);
          if (job.protocol === 'omacp') {
            const poll = Math.min(this.config.cpReceiptPollMs, this.config.cpReceiptWindowMs);
            return this.queues.recheck(job.id, poll, `r${now}`);
          }
          return this.scheduleNext(waking, sentSoFar + 1, now);
        case 'deferred':
          this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'deferred' });
          await this.core.jobs.wakeDeferred(waking, outcome.detail);
          return this.queues.recheck(
            job.id,
            Math.min(outcome.retryAfterMs, Math.max(0, job.deadline - now)),
            `d${now}`,
          );
        case 'failed':
          this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'failed' });
          await this.core.jobs.wakeFailed(waking, outcome.code, outcome.detail);
          return;
      }
    } catch (err) {
      this.metrics.inc('dmb_wakeups_total', { protocol: job.protocol, outcome: 'error' });
      this.log.warn(`wake-up of job ${job.id} failed: ${(err as Error).message}`);
      await this.core.jobs.wakeDeferred(waking, `error: ${(err as Error).message}`.slice(0, 200));
      return this.scheduleNext(waking, sentSoFar + 1, now);
    }
  }

  /**
   * OMA CP: the push went out. Receipts decide (all segments delivered → succeeded, a permanent
   * failure → failed); none within the receipt window → unconfirmed.
   */
  private async checkDelivery(job: Job, now: number): Promise<void> {
    const sentAt = Math.max(...job.attempts.filter((a) => a.outcome === 'sent').map((a) => a.at));
    const driver = this.core.drivers.get('omacp');
    const status = (await driver?.deliveryStatus?.(job)) ?? { state: 'pending' as const };
    if (status.state !== 'pending') {
      await this.core.jobs.recordDelivery(job.id, status.state, status.detail);
      return;
    }
    const left = sentAt + this.config.cpReceiptWindowMs - now;
    if (left <= 0) {
      const why = `no delivery receipt within ${this.config.cpReceiptWindowMs} ms`;
      await this.core.jobs.recordDelivery(job.id, 'unconfirmed', why);
      return;
    }
    await this.queues.recheck(job.id, Math.min(left, this.config.cpReceiptPollMs), `r${now}`);
  }

  private scheduleNext(job: Job, attempt: number, now: number): Promise<void> {
    const delay = nextWakeDelay(
      attempt,
      {
        baseMs: this.config.wakeBackoffBaseMs,
        maxMs: this.config.wakeBackoffMaxMs,
        jitter: this.config.wakeJitter,
      },
      Math.max(0, job.deadline - now),
    );
    return this.queues.recheck(job.id, delay, `a${attempt}`);
  }
}
