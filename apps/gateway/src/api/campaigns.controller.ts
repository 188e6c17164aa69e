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
  async create(@Body() body: unknown) {
    return view(await this.core.campaigns.create(requireObject(body) as CampaignInput));
  }

  @Get()
  async list(@Query() q: Record<string, unknown>) {
    const page = await this.core.campaigns.list(
      decodeCursor(q.cursor),
      parseLimit(q.limit, 50, 200),
    );
    return { items: page.items.map(view), nextCursor: encodeCursor(page.nextCursor) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return view(await this.core.campaigns.get(id));
  }

  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id') id: string) {
    return view(await this.core.campaigns.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string) {
    return view(await this.core.campaigns.resume(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string) {
    return view(await this.core.campaigns.cancel(id));
  }
}
