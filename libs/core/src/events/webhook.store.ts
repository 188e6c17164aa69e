import type { Redis } from 'ioredis';
import { createHmac } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors';
import { MASKED, SecretBox } from '../secrets/secret-box';
import { newId } from '../util/ids';
import { CoreKeys } from '../util/redis-keys';
import { CORE_EVENT_TYPES, CoreEvent, CoreEventType } from './core-event';

export interface WebhookSubscription {
  id: string;
  url: string;
  /** Sealed at rest; the signing key. */
  secret: string;
  /** Event types to deliver; empty = all. */
  events: CoreEventType[];
  createdAt: string;
}

export interface DeadLetter {
  id: string;
  /** the delivery's id, kept when it is replayed (receivers de-duplicate by it) */
  deliveryId?: string;
  webhookId: string;
  event: CoreEvent;
  error: string;
  attempts: number;
  at: string;
}

export const SIGNATURE_HEADER = 'x-dmb-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed too, so a
 * receiver can refuse replays of old deliveries.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export class WebhookStore {
  private readonly keys: CoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly box: SecretBox,
    private readonly deadLetterLimit = 10000,
  ) {
    this.keys = new CoreKeys(prefix);
  }

  async create(input: {
    url?: unknown;
    secret?: unknown;
    events?: unknown;
  }): Promise<WebhookSubscription> {
    if (typeof input?.url !== 'string' || !/^https?:\/\/\S+$/.test(input.url)) {
      throw new ValidationError('invalid-url', 'url must be an http(s) URL');
    }
    if (typeof input.secret !== 'string' || input.secret.length < 16) {
      throw new ValidationError('invalid-secret', 'secret must be at least 16 characters');
    }
    const events = input.events ?? [];
    if (!Array.isArray(events) || events.some((e) => typeof e !== 'string')) {
      throw new ValidationError('invalid-events', 'events must be an array of event types');
    }
    const unknown = events.filter((e) => !(CORE_EVENT_TYPES as readonly string[]).includes(e));
    if (unknown.length)
      throw new ValidationError(
        'invalid-events',
        `unknown event types: ${unknown.join(', ')} (known: ${CORE_EVENT_TYPES.join(', ')})`,
        { unknown },
      );
    const sub: WebhookSubscription = {
      id: newId('w'),
      url: input.url,
      secret: this.box.seal(input.secret),
      events: events as CoreEventType[],
      createdAt: new Date().toISOString(),
    };
    await this.redis.hset(this.keys.webhooks(), sub.id, JSON.stringify(sub));
    return sub;
  }

  async list(): Promise<WebhookSubscription[]> {
    return (await this.redis.hvals(this.keys.webhooks())).map(
      (r) => JSON.parse(r) as WebhookSubscription,
    );
  }

  async get(id: string): Promise<WebhookSubscription> {
    const raw = await this.redis.hget(this.keys.webhooks(), id);
    if (!raw) throw new NotFoundError('webhook', id);
    return JSON.parse(raw) as WebhookSubscription;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.redis.hdel(this.keys.webhooks(), id))) throw new NotFoundError('webhook', id);
  }

  view(sub: WebhookSubscription) {
    return { ...sub, secret: MASKED };
  }

  signingSecret(sub: WebhookSubscription): string {
    return this.box.open(sub.secret);
  }

  async addDeadLetter(letter: Omit<DeadLetter, 'id' | 'at'>): Promise<void> {
    const full: DeadLetter = { ...letter, id: newId('x'), at: new Date().toISOString() };
    await this.redis
      .multi()
      .lpush(this.keys.deadLetters(), JSON.stringify(full))
      .ltrim(this.keys.deadLetters(), 0, this.deadLetterLimit - 1)
      .exec();
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    return (await this.redis.lrange(this.keys.deadLetters(), 0, limit - 1)).map(
      (r) => JSON.parse(r) as DeadLetter,
    );
  }

  /** Removes a dead letter and hands it back for redelivery. */
  async takeDeadLetter(id: string): Promise<DeadLetter> {
    const all = await this.redis.lrange(this.keys.deadLetters(), 0, -1);
    const raw = all.find((r) => (JSON.parse(r) as DeadLetter).id === id);
    if (!raw || !(await this.redis.lrem(this.keys.deadLetters(), 1, raw)))
      throw new NotFoundError('dead-letter', id);
    return JSON.parse(raw) as DeadLetter;
  }
}
