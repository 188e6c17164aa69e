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
import { Core, CoreEvent } from '@dm-bridge/core';
import type { Request, Response } from 'express';
import { EventBus } from '../orchestration/event-bus';
import { CORE, EVENT_BUS } from '../orchestration/orchestration.tokens';
import { QueuesService } from '../orchestration/queues.service';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { parseLimit, requireObject } from './query';

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
  async stream(@Req() req: Request, @Res() res: Response, @Query('types') types?: string) {
    const wanted = types ? new Set(types.split(',')) : undefined;
    await this.bus.ready();
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const send = (e: CoreEvent) => {
      if (!wanted || wanted.has(e.type))
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const sub = this.bus.stream().subscribe({ next: send, complete: () => res.end() });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', () => {
      sub.unsubscribe();
      clearInterval(heartbeat);
    });
  }

  @Post('webhooks')
  @HttpCode(201)
  @RequireScope('admin')
  async createWebhook(@Body() body: unknown) {
    const sub = await this.core.webhooks.create(requireObject(body));
    this.bus.invalidateSubscriptions();
    return this.core.webhooks.view(sub);
  }

  @Get('webhooks')
  @RequireScope('admin')
  async listWebhooks() {
    return { items: (await this.core.webhooks.list()).map((s) => this.core.webhooks.view(s)) };
  }

  @Delete('webhooks/:id')
  @HttpCode(204)
  @RequireScope('admin')
  async deleteWebhook(@Param('id') id: string) {
    await this.core.webhooks.delete(id);
    this.bus.invalidateSubscriptions();
  }

  @Get('webhook-dead-letters')
  @RequireScope('admin')
  async deadLetters(@Query('limit') limit?: string) {
    return { items: await this.core.webhooks.deadLetters(parseLimit(limit, 100, 1000)) };
  }

  /** Puts a dead letter back on the delivery queue. */
  @Post('webhook-dead-letters/:id/replay')
  @HttpCode(202)
  @RequireScope('admin')
  async replay(@Param('id') id: string) {
    const letter = await this.core.webhooks.takeDeadLetter(id);
    await this.queues.webhook.add(letter.event.type, {
      webhookId: letter.webhookId,
      deliveryId: letter.id,
      event: letter.event,
    });
    return { replayed: id };
  }
}
