import { Core, CoreEvent, EventPublisher, WebhookSubscription } from '@dm-bridge/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Observable, Subject } from 'rxjs';
import { isCluster } from '../redis/redis-clients';
import { MetricsRegistry } from './metrics.registry';
import { closeRedis } from '../redis/redis-clients';

/**
 * Where core's events go: a Redis pub/sub channel (every process's SSE clients see every event)
 * and, per matching webhook subscription, a durable delivery job on the webhook queue.
 */
export class EventBus implements EventPublisher {
  private core?: Core;
  private webhookQueue?: Queue;
  private subscriptions: { list: WebhookSubscription[]; until: number } = { list: [], until: 0 };
  private readonly local = new Subject<CoreEvent>();
  private subscriber?: Redis;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly metrics?: MetricsRegistry,
  ) {}

  attach(core: Core): void {
    this.core = core;
  }

  useWebhookQueue(queue: Queue): void {
    this.webhookQueue = queue;
  }

  private count(e: CoreEvent): void {
    if (!this.metrics) return;
    if (e.type === 'job.state') {
      this.metrics.inc('dmb_job_transitions_total', { state: String(e.data.state) });
      if (typeof e.data.durationMs === 'number') {
        this.metrics.observe('dmb_job_duration_seconds', e.data.durationMs / 1000, {
          state: String(e.data.state),
        });
      }
    } else if (e.type === 'sms.receipt')
      this.metrics.inc('dmb_cp_receipts_total', { outcome: String(e.data.outcome) });
    else if (e.type === 'device.contact')
      this.metrics.inc('dmb_device_contacts_total', { protocol: String(e.data.protocol) });
  }

  /** Forget cached subscriptions (after one was created or deleted in this process). */
  invalidateSubscriptions(): void {
    this.subscriptions.until = 0;
  }

  private async currentSubscriptions(): Promise<WebhookSubscription[]> {
    if (!this.core) return [];
    const now = Date.now();
    if (this.subscriptions.until < now) {
      this.subscriptions = { list: await this.core.webhooks.list(), until: now + 2000 };
    }
    return this.subscriptions.list;
  }

  async publish(events: CoreEvent[]): Promise<void> {
    if (!events.length) return;
    for (const e of events) this.count(e);
    const pipe = this.redis.pipeline();
    // A cluster pipeline without keys goes to a random master, and messages from different masters
    // reach a subscriber out of order. A keyed no-op pins every publish to the channel's master.
    if (isCluster(this.redis)) pipe.exists(this.channel);
    for (const e of events) pipe.publish(this.channel, JSON.stringify(e));
    await pipe.exec();
    const subs = await this.currentSubscriptions();
    if (!subs.length || !this.webhookQueue) return;
    const deliveries = [];
    for (const e of events) {
      for (const s of subs) {
        if (s.events.length && !s.events.includes(e.type)) continue;
        deliveries.push({
          name: e.type,
          data: { webhookId: s.id, deliveryId: randomUUID(), event: e },
        });
      }
    }
    if (deliveries.length) await this.webhookQueue.addBulk(deliveries);
  }

  /** Resolves once this process receives the event channel (SSE waits for it before answering). */
  async ready(): Promise<void> {
    this.stream();
    await this.subscribed;
  }

  /** Events from every gateway process, for SSE. One Redis subscription per process. */
  stream(): Observable<CoreEvent> {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      this.subscribed = this.subscriber.subscribe(this.channel);
      this.subscriber.on('message', (_channel: string, message: string) => {
        try {
          this.local.next(JSON.parse(message) as CoreEvent);
        } catch {
          // a foreign message on our channel: ignore it
        }
      });
    }
    return this.local.asObservable();
  }

  async close(): Promise<void> {
    this.local.complete();
    if (this.subscriber) await closeRedis(this.subscriber);
  }
}
