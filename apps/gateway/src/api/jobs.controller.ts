import {
  Body,
  Controller,
  Get,
  Headers,
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
import {
  compileWorkpointJob,
  Core,
  isTerminal,
  JOB_STATES,
  JobState,
  PreviewPart,
  ValidationError,
} from '@dm-bridge/core';
import type { Response } from 'express';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard, AuthedRequest } from './api-key.guard';
import { API_CONFIG, ApiConfig } from './api.config';
import { HttpProblem } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';
import {
  decodeCursor,
  encodeCursor,
  optionalFlag,
  optionalString,
  parseLimit,
  requireObject,
} from './query';
import { ApiRoute } from './route-doc';
import { answer, fails, NOT_FOUND, PAGE_QUERY } from './route-helpers';
import { ref, SCHEMAS } from './schema/api-schemas';

const TAG = 'Jobs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class JobsController {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  private parseWait(raw: unknown): number {
    if (raw === undefined) return 0;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > this.config.maxWaitSeconds) {
      throw new ValidationError(
        'invalid-wait',
        `wait must be a number of seconds from 0 to ${this.config.maxWaitSeconds}`,
      );
    }
    return n;
  }

  /**
   * Creates a job. With `?wait=SECONDS` the request waits for the job to finish: 200 with its
   * results when it did in time, else 202 with the job as it stands. Without: 202.
   * `Idempotency-Key` makes a retried request return the first request's job.
   */
  @Post()
  @ApiRoute({
    operationId: 'createJob',
    summary: 'Create a job for one device',
    description:
      "With `wait=SECONDS` the request waits for the job to finish: 200 with its results when it did in time, else 202 with the job as it stands. `Idempotency-Key` makes a retried request return the first request's job (with `Idempotent-Replayed: true`).",
    tag: TAG,
    access: 'write',
    body: ref('JobInput'),
    query: { wait: { type: 'number', minimum: 0, description: 'seconds to wait for the end' } },
    headers: { 'Idempotency-Key': { type: 'string', maxLength: 200 } },
    responses: {
      '200': answer('The job finished within `wait`', 'Job'),
      '202': answer('The job was accepted', 'Job'),
      '404': fails('Unknown device'),
      '409': fails('Idempotency key reused for another request'),
    },
  })
  async create(
    @Body() body: unknown,
    @Query('wait') waitRaw: unknown,
    @Headers('idempotency-key') idem: string | undefined,
    @Res() res: Response,
  ) {
    const wait = this.parseWait(waitRaw);
    const b = requireObject(body);
    const { job, created } = await this.core.jobs.create({
      deviceId: b.deviceId,
      operations: b.operations,
      deadlineSeconds: b.deadlineSeconds,
      idempotencyKey: idem,
    });
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/v1/jobs/${job.id}`);
    let current = job;
    if (wait > 0 && !isTerminal(job.state)) {
      const until = Date.now() + wait * 1000;
      let pause = 20;
      while (Date.now() < until) {
        await sleep(Math.min(pause, until - Date.now()));
        pause = Math.min(pause * 2, 250);
        const state = await this.core.jobs.getState(job.id);
        if (state && isTerminal(state)) break;
      }
      current = await this.core.jobs.get(job.id);
    } else if (!created) current = await this.core.jobs.get(job.id);
    res
      .status(wait > 0 && isTerminal(current.state) ? 200 : 202)
      .json(this.core.jobs.view(current));
  }

  /**
   * Dry run: exactly what would be sent for this job, with secrets masked unless an admin key
   * asks `?reveal=true`.
   */
  @Post('preview')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'previewJob',
    summary: 'Dry run: exactly what a job would send',
    description:
      'Secrets are masked unless an admin key asks `reveal=true`. Nothing is stored or sent.',
    tag: TAG,
    access: 'write',
    body: ref('JobInput'),
    query: { reveal: { type: 'boolean' } },
    responses: { '200': answer('What would be sent', 'Preview'), '404': fails('Unknown device') },
  })
  async preview(
    @Body() body: unknown,
    @Query('reveal') revealRaw: string | undefined,
    @Req() req: AuthedRequest,
  ) {
    const reveal = optionalFlag(revealRaw, 'reveal');
    if (reveal && req.apiKey?.scope !== 'admin')
      throw new HttpProblem(403, 'insufficient-scope', 'revealing secrets needs an admin key');
    const b = requireObject(body);
    const { device, job } = await this.core.jobs.draft({
      deviceId: b.deviceId,
      operations: b.operations,
      deadlineSeconds: b.deadlineSeconds,
    });
    const driver = this.core.drivers.get(device.protocol);
    const view = this.core.jobs.view(job, reveal);
    const parts: PreviewPart[] = [];
    if (device.protocol === 'workpoint') {
      const ops = compileWorkpointJob(job, view.operations).operations;
      parts.push({
        kind: 'workpoint-operations',
        title: 'Workpoint operations',
        content: JSON.stringify(ops, null, 2),
      });
    }
    if (driver?.preview) parts.push(...(await driver.preview(device, job, { reveal })));
    return {
      deviceId: device.id,
      protocol: device.protocol,
      operations: view.operations,
      parts,
      masked: !reveal,
      note: driver?.preview
        ? undefined
        : `no ${device.protocol} sender is loaded in this gateway; showing the compiled operations only`,
    };
  }

  @Get()
  @ApiRoute({
    operationId: 'listJobs',
    summary: 'List jobs, newest first',
    tag: TAG,
    access: 'read',
    query: {
      ...PAGE_QUERY,
      deviceId: { type: 'string' },
      campaignId: { type: 'string' },
      state: { type: 'string', enum: [...(SCHEMAS.Job.properties!.state.enum as string[])] },
    },
    responses: { '200': answer('A page of jobs', 'JobPage') },
  })
  async list(@Query() q: Record<string, unknown>) {
    const state = optionalString(q.state, 'state');
    if (state && !(JOB_STATES as readonly string[]).includes(state)) {
      throw new ValidationError('invalid-state', `state must be one of ${JOB_STATES.join(', ')}`);
    }
    const page = await this.core.jobs.list(
      {
        deviceId: optionalString(q.deviceId, 'deviceId'),
        campaignId: optionalString(q.campaignId, 'campaignId'),
        state: state as JobState | undefined,
      },
      decodeCursor(q.cursor),
      parseLimit(q.limit),
    );
    return {
      items: page.items.map((j) => this.core.jobs.view(j)),
      nextCursor: encodeCursor(page.nextCursor),
    };
  }

  @Get(':id')
  @ApiRoute({
    operationId: 'getJob',
    summary: 'Get a job with its results',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('The job', 'Job'), ...NOT_FOUND('job') },
  })
  async get(@Param('id') id: string) {
    return this.core.jobs.view(await this.core.jobs.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'cancelJob',
    summary: 'Cancel a job that is not in session',
    tag: TAG,
    access: 'write',
    responses: {
      '200': answer('The cancelled job', 'Job'),
      ...NOT_FOUND('job'),
      '409': fails('The job finished or is in session'),
    },
  })
  async cancel(@Param('id') id: string) {
    return this.core.jobs.view(await this.core.jobs.cancel(id));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiRoute({
    operationId: 'retryJob',
    summary: 'Run a finished job again, as a new job',
    tag: TAG,
    access: 'write',
    responses: {
      '202': answer('The new job', 'Job'),
      ...NOT_FOUND('job'),
      '409': fails('The job has not finished'),
    },
  })
  async retry(@Param('id') id: string) {
    return this.core.jobs.view(await this.core.jobs.retry(id));
  }
}
