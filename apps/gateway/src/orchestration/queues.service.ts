import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Core, JobScheduler, ScheduledStep } from '@dm-bridge/core';
import { ConnectionOptions, JobsOptions, Queue } from 'bullmq';
import { BULLMQ_CONNECTION, BULLMQ_PREFIX } from '../redis/redis.module';
import { watchRedis } from '../redis/redis-errors';
import { CORE, EVENT_BUS, QUEUE_NAMES } from './orchestration.tokens';
import { EventBus } from './event-bus';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from './orchestration.config';

/** One step of one job, or the first steps of a slot of jobs due in the same second (campaigns). */
export interface WakeData {
  jobId?: string;
  jobIds?: string[];
  /** the step's token: a step whose job has moved on to another token does nothing */
  token?: string;
}

/*
 * A failed step is not kept: the reconciler queues an overdue step again under the same BullMQ
 * id, which a kept failed job would block.
 */
const WAKE_OPTS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: true,
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
   * Queues job steps, each under the BullMQ id `<job>-<token>`, so queueing one twice adds nothing
   * and each attempt has its own id. First wake-ups of many jobs due in the same second share
   * one BullMQ job (a campaign of 100,000 paced at 100/s needs 1,000, not 100,000).
   */
  async schedule(steps: ScheduledStep[]): Promise<void> {
    const now = Date.now();
    const slots = new Map<string, ScheduledStep[]>();
    for (const step of steps) {
      const key = `${step.token} ${Math.floor(Math.max(0, step.at - now) / 1000)}`;
      const slot = slots.get(key);
      if (slot) slot.push(step);
      else slots.set(key, [step]);
    }
    const bulk = [...slots.values()].map((slot) => {
      const { jobId, token } = slot[0];
      return {
        name: 'w',
        data: (slot.length === 1
          ? { jobId, token }
          : { jobIds: slot.map((s) => s.jobId), token }) satisfies WakeData,
        opts: { ...WAKE_OPTS, jobId: `${jobId}-${token}`, delay: Math.max(0, slot[0].at - now) },
      };
    });
    for (let i = 0; i < bulk.length; i += 500) await this.wakeup.addBulk(bulk.slice(i, i + 500));
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
