import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiScope, Core } from '@dm-bridge/core';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { requireObject } from './query';

/** API keys (admin only). A new key's plaintext is in the creation response and nowhere else. */
@Controller('v1/api-keys')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
@RequireScope('admin')
export class ApiKeysController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const b = requireObject(body);
    const { key, record } = await this.core.apiKeys.create(b.name, b.scope as ApiScope);
    return { ...record, key };
  }

  @Get()
  async list() {
    return { items: await this.core.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string) {
    await this.core.apiKeys.revoke(id);
  }
}
