import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Core, Job, JobScheduler } from '@dm-bridge/core';
import { ConnectionOptions, JobsOptions, Queue } from 'bullmq';
import { BULLMQ_CONNECTION, BULLMQ_PREFIX } from '../redis/redis.module';
import { watchRedis } from '../redis/redis-errors';
import { CORE, EVENT_BUS, QUEUE_NAMES } from './orchestration.tokens';
import { EventBus } from './event-bus';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from './orchestration.config';

/** One wake-up step for one job, or for a slot of jobs due at the same second (campaigns). */
export interface WakeData {
  jobId?: string;
  jobIds?: string[];
  /** the first wake-up of new jobs (see WakeupProcessor.process) */
  first?: boolean;
}

const WAKE_OPTS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
};

/**
 * The BullMQ queues (producers side, used by API and worker roles alike) and the schedulers core
 * calls once jobs and campaigns are stored.
 */
@Injectable()
export class QueuesService implements JobScheduler, OnApplicationShutdown {
  readonly wakeup: Queue;
  readonly fanout: Queue;
  readonly webhook: Queue;

  constructor(
    @Inject(BULLMQ_CONNECTION) connection: ConnectionOptions,
    @Inject(BULLMQ_PREFIX) prefix: string,
    @Inject(CORE) core: Core,
    @Inject(EVENT_BUS) events: EventBus,
    @Inject(ORCHESTRATION_CONFIG) config: OrchestrationConfig,
  ) {
    this.wakeup = watchRedis(new Queue(QUEUE_NAMES.wakeup, { connection, prefix }), 'wakeup');
    this.fanout = watchRedis(new Queue(QUEUE_NAMES.fanout, { connection, prefix }), 'fanout');
    this.webhook = new Queue(QUEUE_NAMES.webhook, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: config.webhookAttempts,
        backoff: { type: 'exponential', delay: config.webhookBackoffMs },
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    });
    watchRedis(this.webhook, 'webhook');
    core.jobs.scheduler = this;
    core.campaigns.fanOutScheduler = { fanOut: (id, key) => this.fanOut(id, key) };
    events.useWebhookQueue(this.webhook);
  }

  /**
   * First wake-ups of new jobs. Jobs due in the same second share one BullMQ job (a campaign of
   * 100,000 paced at 100/s needs 1,000, not 100,000); its id derives from its first job, so
   * scheduling the same jobs again (a fan-out batch rerun after a crash) adds nothing.
   */
  async schedule(items: { job: Job; wakeDelayMs: number }[]): Promise<void> {
    const slots = new Map<number, string[]>();
    for (const { job, wakeDelayMs } of items) {
      const slot = Math.floor(wakeDelayMs / 1000);
      const ids = slots.get(slot);
      if (ids) ids.push(job.id);
      else slots.set(slot, [job.id]);
    }
    const bulk = [...slots].map(([slot, jobIds]) => ({
      name: 'w',
      data: (jobIds.length === 1
        ? { jobId: jobIds[0], first: true }
        : { jobIds, first: true }) satisfies WakeData,
      opts: { ...WAKE_OPTS, jobId: `${jobIds[0]}-0`, delay: slot * 1000 },
    }));
    for (let i = 0; i < bulk.length; i += 500) await this.wakeup.addBulk(bulk.slice(i, i + 500));
  }

  /** A later check of the same job (retry, receipt window, session watchdog). */
  async recheck(jobId: string, delayMs: number, tag: string): Promise<void> {
    await this.wakeup.add('w', { jobId } satisfies WakeData, {
      ...WAKE_OPTS,
      jobId: `${jobId}-${tag}`,
      delay: delayMs,
    });
  }

  async fanOut(campaignId: string, key?: string): Promise<void> {
    await this.fanout.add(
      'fanout',
      { campaignId },
      {
        jobId: `${campaignId}-${key ?? Date.now()}`,
        removeOnComplete: true,
        removeOnFail: { count: 100 },
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const q of [this.wakeup, this.fanout, this.webhook]) {
      out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
    }
    return out;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.wakeup.close(), this.fanout.close(), this.webhook.close()]);
  }
}
