import { Core, CoreEvent, EventPublisher, LuaScript, WebhookSubscription } from '@dm-bridge/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Observable, Subject } from 'rxjs';
import { MetricsRegistry } from './metrics.registry';
import { closeRedis } from '../redis/redis-clients';

/** An event with its id in the retained event stream (SSE `id:`). */
export interface StreamedEvent {
  id: string;
  event: CoreEvent;
}

/**
 * Appends each event to the retained stream and publishes it with its stream id, in one script:
 * the id a live subscriber sees is the one a reconnecting client resumes from.
 */
const APPEND_AND_PUBLISH = `
local ids = {}
for i = 3, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[i])
  redis.call('PUBLISH', ARGV[1], '{"streamId":"' .. id .. '",' .. string.sub(ARGV[i], 2))
  ids[#ids + 1] = id
end
return ids
`;
const appendAndPublish = new LuaScript(APPEND_AND_PUBLISH);

/** Stream ids are `<ms>-<seq>`; compares two of them. */
export function streamIdAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

/**
 * Where core's events go: a Redis stream (`<channel>:log`, the last EVENT_LOG_MAX events, for SSE
 * resume by Last-Event-ID) and pub/sub channel (every process's SSE clients see every event),
 * and, per matching webhook subscription, a durable delivery job on the webhook queue.
 */
export class EventBus implements EventPublisher {
  private core?: Core;
  private webhookQueue?: Queue;
  private subscriptions: { list: WebhookSubscription[]; until: number } = { list: [], until: 0 };
  private readonly local = new Subject<StreamedEvent>();
  readonly logKey: string;
  private subscriber?: Redis;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly metrics?: MetricsRegistry,
    private readonly logMax = Number(process.env.EVENT_LOG_MAX ?? 10000),
  ) {
    this.logKey = `${channel}:log`;
  }

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
    // Keyed by the log, the script always runs on one master, so subscribers see events in order.
    await appendAndPublish.run(
      this.redis,
      [this.logKey],
      [this.channel, this.logMax, ...events.map((e) => JSON.stringify(e))],
    );
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

  /** Retained events after `afterId` (at most `count`), oldest first. */
  async since(afterId: string, count = 1000): Promise<StreamedEvent[]> {
    const rows = (await this.redis.xrange(this.logKey, `(${afterId}`, '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
    const out: StreamedEvent[] = [];
    for (const [id, fields] of rows) {
      try {
        out.push({ id, event: JSON.parse(fields[1]) as CoreEvent });
      } catch {
        // not ours: skip
      }
    }
    return out;
  }

  /** Events from every gateway process, for SSE. One Redis subscription per process. */
  stream(): Observable<StreamedEvent> {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      this.subscribed = this.subscriber.subscribe(this.channel);
      this.subscriber.on('message', (_channel: string, message: string) => {
        try {
          const { streamId, ...event } = JSON.parse(message) as CoreEvent & { streamId: string };
          this.local.next({ id: streamId, event });
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
