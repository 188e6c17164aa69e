import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { CORE_EVENT_TYPES, Core, ValidationError } from '@dm-bridge/core';
import type { Request, Response } from 'express';
import { EventBus, StreamedEvent, streamIdAfter } from '../orchestration/event-bus';
import { CORE, EVENT_BUS } from '../orchestration/orchestration.tokens';
import { QueuesService } from '../orchestration/queues.service';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { parseLimit, requireObject } from './query';
import { ApiRoute } from './route-doc';
import { answer, NOT_FOUND } from './route-helpers';
import { ref } from './schema/api-schemas';

const EVENTS = 'Events';
const WEBHOOKS = 'Webhooks';

/** `?types=a,b`: each must be an event type core emits. */
export function parseEventTypes(raw: unknown): Set<string> | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new ValidationError('invalid-query', 'types must be given once, comma-separated');
  const types = raw.split(',').map((t) => t.trim());
  const unknown = types.filter((t) => !(CORE_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length)
    throw new ValidationError(
      'unknown-event-type',
      `unknown event types: ${unknown.map((t) => t.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)).join(', ')} (known: ${CORE_EVENT_TYPES.join(', ')})`,
      { fields: ['types'] },
    );
  return new Set(types);
}

/** Events: a Server-Sent Events stream, and signed webhooks with a dead-letter list. */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class EventsController {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly queues: QueuesService,
  ) {}

  /** `GET /v1/events?types=job.state,device.contact` — one SSE message per event. */
  @Get('events')
  @ApiRoute({
    operationId: 'streamEvents',
    summary: 'Server-Sent Events: one message per event',
    description:
      "Each message has `id:` (the event's position in the event stream), `event:` (its type) and `data:` (the event as JSON). A client that reconnects with `Last-Event-ID` first gets what it missed (as far as the retained stream reaches). Browsers' EventSource cannot send headers, so this route alone also takes the key as `?api_key=`.",
    tag: EVENTS,
    access: 'read',
    query: {
      types: {
        type: 'string',
        description: `comma-separated event types: ${CORE_EVENT_TYPES.join(', ')}`,
      },
      api_key: { type: 'string', description: 'the API key, for clients that cannot send headers' },
    },
    headers: { 'Last-Event-ID': { type: 'string', description: 'resume after this event' } },
    responses: {
      '200': {
        description: 'An endless event stream',
        content: { 'text/event-stream': { type: 'string' } },
      },
    },
  })
  async stream(@Req() req: Request, @Res() res: Response, @Query('types') types?: string) {
    const wanted = parseEventTypes(types);
    const lastRaw = req.headers['last-event-id'];
    const last = typeof lastRaw === 'string' && lastRaw !== '' ? lastRaw.trim() : undefined;
    if (last !== undefined && !/^\d{1,15}-\d{1,15}$/.test(last))
      throw new ValidationError(
        'invalid-last-event-id',
        'Last-Event-ID must be an id this stream sent (<ms>-<seq>)',
      );
    await this.bus.ready();
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    let sentUpTo = last;
    const send = ({ id, event }: StreamedEvent) => {
      if (sentUpTo && id && !streamIdAfter(id, sentUpTo)) return; // already sent from the log
      if (id) sentUpTo = id;
      if (!wanted || wanted.has(event.type))
        res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // Live events that arrive while the missed ones are read wait, then go out in order.
    let backlog: StreamedEvent[] | undefined = last ? [] : undefined;
    const sub = this.bus.stream().subscribe({
      next: (e) => (backlog ? backlog.push(e) : send(e)),
      complete: () => res.end(),
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', () => {
      sub.unsubscribe();
      clearInterval(heartbeat);
    });
    if (last) {
      try {
        for (const e of await this.bus.since(last)) send(e);
      } finally {
        const held = backlog ?? [];
        backlog = undefined;
        for (const e of held) send(e);
      }
    }
  }

  @Post('webhooks')
  @HttpCode(201)
  @RequireScope('admin')
  @ApiRoute({
    operationId: 'createWebhook',
    summary: 'Subscribe a URL to events',
    description:
      'Deliveries are POSTs with `User-Agent: dm-bridge/<version>`, `X-Dmb-Event`, `X-Dmb-Delivery` (stable across retries and replays) and `X-Dmb-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.',
    tag: WEBHOOKS,
    access: 'admin',
    body: ref('WebhookInput'),
    responses: { '201': answer('The subscription (secret masked)', 'Webhook') },
  })
  async createWebhook(@Body() body: unknown) {
    const sub = await this.core.webhooks.create(requireObject(body));
    this.bus.invalidateSubscriptions();
    return this.core.webhooks.view(sub);
  }

  @Get('webhooks')
  @RequireScope('admin')
  @ApiRoute({
    operationId: 'listWebhooks',
    summary: 'Webhook subscriptions',
    tag: WEBHOOKS,
    access: 'admin',
    responses: { '200': answer('The subscriptions', 'WebhookList') },
  })
  async listWebhooks() {
    return { items: (await this.core.webhooks.list()).map((s) => this.core.webhooks.view(s)) };
  }

  @Delete('webhooks/:id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiRoute({
    operationId: 'deleteWebhook',
    summary: 'Unsubscribe',
    tag: WEBHOOKS,
    access: 'admin',
    responses: { '204': { description: 'Deleted' }, ...NOT_FOUND('webhook') },
  })
  async deleteWebhook(@Param('id') id: string) {
    await this.core.webhooks.delete(id);
    this.bus.invalidateSubscriptions();
  }

  @Get('webhook-dead-letters')
  @RequireScope('admin')
  @ApiRoute({
    operationId: 'listWebhookDeadLetters',
    summary: 'Deliveries that failed every retry, newest first',
    tag: WEBHOOKS,
    access: 'admin',
    query: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
    responses: { '200': answer('Dead letters', 'DeadLetterList') },
  })
  async deadLetters(@Query('limit') limit?: string) {
    return { items: await this.core.webhooks.deadLetters(parseLimit(limit, 100, 1000)) };
  }

  /** Puts a dead letter back on the delivery queue. */
  @Post('webhook-dead-letters/:id/replay')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiRoute({
    operationId: 'replayWebhookDeadLetter',
    summary: 'Deliver a dead letter again (same delivery id)',
    tag: WEBHOOKS,
    access: 'admin',
    responses: { '202': answer('Queued again', 'Replayed'), ...NOT_FOUND('dead letter') },
  })
  async replay(@Param('id') id: string) {
    const letter = await this.core.webhooks.takeDeadLetter(id);
    await this.queues.webhook.add(letter.event.type, {
      webhookId: letter.webhookId,
      deliveryId: letter.deliveryId ?? letter.id,
      event: letter.event,
    });
    return { replayed: id };
  }
}
