import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Core } from '@dm-bridge/core';
import { ConnectionOptions, Worker } from 'bullmq';
import { GATEWAY_CONFIG, GatewayConfig, runsWorker } from '../config/gateway.config';
import type { Redis } from 'ioredis';
import { BULLMQ_CONNECTION, BULLMQ_PREFIX, REDIS } from '../redis/redis.module';
import { isConnectionError, redisErrors } from '../redis/redis-errors';
import { FanOutProcessor } from './fanout.processor';
import { MetricsRegistry } from './metrics.registry';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from './orchestration.config';
import { CORE, QUEUE_NAMES } from './orchestration.tokens';
import { QueuesService, WakeData } from './queues.service';
import { WakeupProcessor } from './wakeup.processor';
import { WebhookDelivery, WebhookProcessor } from './webhook.processor';

/** The worker role: BullMQ workers for wake-ups, campaign fan-out and webhooks. */
@Injectable()
export class WorkersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Workers');
  private workers: Worker[] = [];
  private stopping = false;
  private housekeeping?: NodeJS.Timeout;
  private outbox?: NodeJS.Timeout;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly gateway: GatewayConfig,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
    @Inject(BULLMQ_CONNECTION) private readonly connection: ConnectionOptions,
    @Inject(BULLMQ_PREFIX) private readonly prefix: string,
    @Inject(CORE) private readonly core: Core,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: QueuesService,
    private readonly metrics: MetricsRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (runsWorker(this.gateway)) this.start();
  }

  start(): void {
    this.stopping = false;
    const common = {
      connection: this.connection,
      prefix: this.prefix,
      stalledInterval: this.config.workerStalledIntervalMs,
      lockDuration: this.config.workerLockMs,
    };
    const wake = new WakeupProcessor(this.core, this.config, this.metrics);
    const fanOut = new FanOutProcessor(this.core, this.config.fanOutBatch);
    const webhook = new WebhookProcessor(this.core, this.config.webhookTimeoutMs, this.metrics);
    this.workers = [
      new Worker<WakeData>(QUEUE_NAMES.wakeup, (j) => wake.processAll(j.data), {
        ...common,
        concurrency: this.config.wakeConcurrency,
      }),
      new Worker(
        QUEUE_NAMES.fanout,
        (j) => fanOut.process(j.data.campaignId, () => this.stopping),
        { ...common, concurrency: 2 },
      ),
      new Worker<WebhookDelivery>(
        QUEUE_NAMES.webhook,
        (j) => webhook.process(j.data, j.attemptsMade, j.opts.attempts ?? 1),
        { ...common, concurrency: 20 },
      ),
    ];
    for (const w of this.workers)
      w.on('error', (err) =>
        isConnectionError(err)
          ? redisErrors.error(w.name, err)
          : this.log.warn(`${w.name}: ${err.message}`),
      );
    this.housekeeping = setInterval(() => void this.trim(), 3600_000);
    this.housekeeping.unref();
    if (this.config.outboxIntervalMs > 0) {
      this.outbox = setInterval(() => void this.reconcile(), this.config.outboxIntervalMs);
      this.outbox.unref();
    }
  }

  /**
   * Jobs whose next step is overdue (a process died before queueing it or while running it) get
   * it queued again; campaigns whose fan-out stalled get it again, finished ones their
   * completion. Every worker runs this; both are idempotent.
   */
  async reconcile(): Promise<void> {
    try {
      const n = await this.core.jobs.reconcileSteps(this.config.outboxGraceMs);
      if (n) this.log.warn(`reconciler: queued again the overdue next step of ${n} job(s)`);
      const c = await this.core.campaigns.reconcile(this.config.campaignStallMs);
      if (c.refanned)
        this.log.warn(`campaigns: re-queued the fan-out of ${c.refanned} stalled campaign(s)`);
    } catch (err) {
      this.log.warn(`reconcile: ${(err as Error).message}`);
    }
  }

  /** Hourly retention of the job index; one process does it (a lock with a TTL). */
  private async trim(): Promise<void> {
    try {
      const lock = await this.redis.set(`${this.prefix}:housekeeping`, '1', 'EX', 3000, 'NX');
      if (lock === 'OK') await this.core.jobs.trimIndex(this.config.jobRetentionMs);
    } catch (err) {
      this.log.warn(`housekeeping: ${(err as Error).message}`);
    }
  }

  /**
   * Stops the workers and timers (shutdown's first step: no wake-up, fan-out or webhook starts
   * after it); `force` abandons active jobs as a crash would (they stall and are retried).
   */
  async stop(force = false): Promise<void> {
    this.stopping = true;
    clearInterval(this.housekeeping);
    clearInterval(this.outbox);
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.close(force)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop(false);
  }
}
