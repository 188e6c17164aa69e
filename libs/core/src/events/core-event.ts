/** Events core emits; the gateway fans them out to SSE clients and webhooks. */
export const CORE_EVENT_TYPES = [
  'job.state',
  'device.contact',
  'device.registered',
  'device.alert',
  'sms.receipt',
  'campaign.state',
  'campaign.progress',
] as const;
export type CoreEventType = (typeof CORE_EVENT_TYPES)[number];

export interface CoreEvent {
  type: CoreEventType;
  /** ISO time */
  at: string;
  data: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: CoreEvent[]): Promise<void>;
}

export const NO_EVENTS: EventPublisher = { publish: async () => undefined };

export function event(type: CoreEventType, data: Record<string, unknown>): CoreEvent {
  return { type, at: new Date().toISOString(), data };
}
