import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ConflictError, ValidationError } from '@dm-bridge/core';
import { bindToUrl, StoredBind } from '@dm-bridge/smpp';
import { SmsService } from '../sms/sms.service';
import { SmscBindRegistry } from '../sms/smsc-bind.registry';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Refuses every query parameter not in `allowed`, by name. */
function checkQuery(q: Record<string, unknown>, allowed: string[] = []): void {
  const unknown = Object.keys(q ?? {}).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new ValidationError(
      'unknown-query-parameters',
      `unknown query parameter(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
      { parameters: unknown },
    );
}

/**
 * SMSC binds as a resource (`/v1/smsc-binds`): stored in Redis, shared by every gateway process,
 * applied by every worker within seconds. Reading needs `read`; pause/resume `write`; creating,
 * changing and removing (they carry the password) `admin`. The password is never returned.
 */
@Controller('v1/smsc-binds')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class SmscBindsController {
  constructor(
    private readonly registry: SmscBindRegistry,
    private readonly sms: SmsService,
  ) {}

  private async view(b: StoredBind) {
    const c = b.config;
    const [{ live, counters }, backlog] = await Promise.all([
      this.registry.store.status(c.id),
      this.backlog(c.id),
    ]);
    return {
      id: c.id,
      url: bindToUrl({ ...c, password: '' }, b.password ? '********' : ''),
      systemId: c.systemId,
      host: c.host,
      port: c.port,
      mode: c.mode,
      window: c.window,
      rate: c.ratePerSecond,
      paused: b.paused,
      origin: b.origin,
      createdAt: iso(b.createdAt),
      updatedAt: iso(b.updatedAt),
      status: {
        state: b.paused ? 'paused' : (live?.state ?? 'unowned'),
        bound: !b.paused && live?.state === 'bound',
        owner: live?.owner ?? null,
        ...(live?.receiver ? { receiver: live.receiver } : {}),
        window: { size: live?.window ?? c.window, inUse: live?.inFlight ?? 0 },
        waitingInBind: live?.queued ?? 0,
        backlog,
        rate: {
          limit: live?.ratePerSecond ?? c.ratePerSecond,
          guardMs: live?.rateGuardMs ?? null,
        },
        throttledSince: iso(live?.throttledSince),
        lastError: live?.lastProblem
          ? { message: live.lastProblem.message, at: iso(live.lastProblem.at) }
          : null,
        counters,
        reportedAt: iso(live?.at),
      },
    };
  }

  /** Jobs (of up to SMPP_PUSHES_PER_JOB pushes) on the bind's queue not yet done. */
  private async backlog(id: string): Promise<{ waiting: number; delayed: number; active: number }> {
    const q = this.sms.queue(id);
    if (!q) return { waiting: 0, delayed: 0, active: 0 };
    const c = await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
    };
  }

  @Get()
  async list(@Query() q: Record<string, unknown>) {
    checkQuery(q);
    await this.registry.refresh();
    return { items: await Promise.all(this.registry.list().map((b) => this.view(b))) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Query() q: Record<string, unknown>) {
    checkQuery(q);
    return this.view(await this.registry.require(id));
  }

  @Post()
  @HttpCode(201)
  @RequireScope('admin')
  async create(@Body() body: unknown, @Query() q: Record<string, unknown>) {
    checkQuery(q);
    return this.view(await this.registry.create(body as object));
  }

  @Patch(':id')
  @RequireScope('admin')
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() q: Record<string, unknown>,
  ) {
    checkQuery(q);
    return this.view(await this.registry.update(id, body as object));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScope('write')
  async pause(@Param('id') id: string, @Query() q: Record<string, unknown>) {
    checkQuery(q);
    return this.view(await this.registry.setPaused(id, true));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScope('write')
  async resume(@Param('id') id: string, @Query() q: Record<string, unknown>) {
    checkQuery(q);
    return this.view(await this.registry.setPaused(id, false));
  }

  /**
   * Removes a bind. Its queue must be empty (pushes waiting on it would wait for ever), unless
   * `?force=true`: then they stay queued and go out if a bind of that name is created again.
   */
  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin')
  async remove(@Param('id') id: string, @Query() q: Record<string, unknown>) {
    checkQuery(q, ['force']);
    if (q.force !== undefined && q.force !== 'true' && q.force !== 'false')
      throw new ValidationError('invalid-query', 'force must be true or false');
    await this.registry.require(id);
    const b = await this.backlog(id);
    const pending = b.waiting + b.delayed + b.active;
    if (pending && q.force !== 'true')
      throw new ConflictError(
        'bind-busy',
        `bind "${id}" still has ${pending} queued SMS job(s); pause it and let them drain, or use ?force=true`,
        { backlog: b },
      );
    await this.registry.remove(id);
  }
}
