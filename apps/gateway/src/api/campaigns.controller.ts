import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Campaign, CampaignInput, Core } from '@dm-bridge/core';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { decodeCursor, encodeCursor, parseLimit, requireObject } from './query';
import { ApiRoute } from './route-doc';
import { answer, fails, NOT_FOUND, PAGE_QUERY } from './route-helpers';
import { ref } from './schema/api-schemas';

const TAG = 'Campaigns';

/** pause, resume and cancel: one shape. */
function transition(action: string, summary: string) {
  return ApiRoute({
    operationId: `${action}Campaign`,
    summary,
    tag: TAG,
    access: 'write',
    responses: {
      '200': answer('The campaign', 'Campaign'),
      ...NOT_FOUND('campaign'),
      '409': fails("Not allowed in the campaign's state"),
    },
  });
}

function view(c: Campaign) {
  const { createdAt, updatedAt, ...rest } = c;
  return {
    ...rest,
    createdAt: new Date(createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
  };
}

@Controller('v1/campaigns')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class CampaignsController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post()
  @HttpCode(201)
  @ApiRoute({
    operationId: 'createCampaign',
    summary: 'Create and start a campaign',
    tag: TAG,
    access: 'write',
    body: ref('CampaignInput'),
    responses: { '201': answer('The campaign', 'Campaign') },
  })
  async create(@Body() body: unknown) {
    return view(await this.core.campaigns.create(requireObject(body) as CampaignInput));
  }

  @Get()
  @ApiRoute({
    operationId: 'listCampaigns',
    summary: 'List campaigns',
    tag: TAG,
    access: 'read',
    query: { ...PAGE_QUERY, limit: { ...PAGE_QUERY.limit, maximum: 200 } },
    responses: { '200': answer('A page of campaigns', 'CampaignPage') },
  })
  async list(@Query() q: Record<string, unknown>) {
    const page = await this.core.campaigns.list(
      decodeCursor(q.cursor),
      parseLimit(q.limit, 50, 200),
    );
    return { items: page.items.map(view), nextCursor: encodeCursor(page.nextCursor) };
  }

  @Get(':id')
  @ApiRoute({
    operationId: 'getCampaign',
    summary: 'Get a campaign with its progress counts',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('The campaign', 'Campaign'), ...NOT_FOUND('campaign') },
  })
  async get(@Param('id') id: string) {
    return view(await this.core.campaigns.get(id));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @transition('pause', 'Pause a campaign')
  async pause(@Param('id') id: string) {
    return view(await this.core.campaigns.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @transition('resume', 'Resume a paused campaign')
  async resume(@Param('id') id: string) {
    return view(await this.core.campaigns.resume(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @transition('cancel', 'Cancel a campaign (its pending jobs too)')
  async cancel(@Param('id') id: string) {
    return view(await this.core.campaigns.cancel(id));
  }
}
