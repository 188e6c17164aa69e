import { Core, CoreEvent, signWebhook, SIGNATURE_HEADER } from '@dm-bridge/core';
import { userAgent } from '../version';
import { MetricsRegistry } from './metrics.registry';

export interface WebhookDelivery {
  webhookId: string;
  deliveryId: string;
  event: CoreEvent;
}

/**
 * POSTs one event to one subscriber, signed with HMAC-SHA256. A non-2xx answer or a network
 * error throws, so BullMQ retries with exponential back-off; the last failure goes to the
 * dead-letter list, from which an operator can replay it.
 */
export class WebhookProcessor {
  constructor(
    private readonly core: Core,
    private readonly timeoutMs: number,
    private readonly metrics: MetricsRegistry,
  ) {}

  async process(d: WebhookDelivery, attemptsMade: number, maxAttempts: number): Promise<void> {
    let sub;
    try {
      sub = await this.core.webhooks.get(d.webhookId);
    } catch {
      return; // subscription deleted since: nothing to deliver
    }
    const body = JSON.stringify({ id: d.deliveryId, ...d.event });
    const signature = signWebhook(
      this.core.webhooks.signingSecret(sub),
      body,
      Math.floor(Date.now() / 1000),
    );
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': userAgent(),
          [SIGNATURE_HEADER]: signature,
          'x-dmb-event': d.event.type,
          'x-dmb-delivery': d.deliveryId,
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.metrics.inc('dmb_webhook_deliveries_total', { outcome: 'delivered' });
    } catch (err) {
      const last = attemptsMade + 1 >= maxAttempts;
      this.metrics.inc('dmb_webhook_deliveries_total', { outcome: last ? 'dead-letter' : 'retry' });
      if (last) {
        await this.core.webhooks.addDeadLetter({
          webhookId: sub.id,
          deliveryId: d.deliveryId,
          event: d.event,
          error: (err as Error).message,
          attempts: attemptsMade + 1,
        });
      }
      throw err;
    }
  }
}
