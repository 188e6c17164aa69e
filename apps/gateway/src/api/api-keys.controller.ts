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
import { ApiRoute } from './route-doc';
import { answer, NOT_FOUND } from './route-helpers';
import { ref } from './schema/api-schemas';

const TAG = 'API keys';

/** API keys (admin only). A new key's plaintext is in the creation response and nowhere else. */
@Controller('v1/api-keys')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
@RequireScope('admin')
export class ApiKeysController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post()
  @HttpCode(201)
  @ApiRoute({
    operationId: 'createApiKey',
    summary: 'Create a key (its plaintext is in this answer only)',
    tag: TAG,
    access: 'admin',
    body: ref('ApiKeyInput'),
    responses: { '201': answer('The key record and the key', 'ApiKey') },
  })
  async create(@Body() body: unknown) {
    const b = requireObject(body);
    const { key, record } = await this.core.apiKeys.create(b.name, b.scope as ApiScope);
    return { ...record, key };
  }

  @Get()
  @ApiRoute({
    operationId: 'listApiKeys',
    summary: 'List API keys (never their hashes)',
    tag: TAG,
    access: 'admin',
    responses: { '200': answer('The keys', 'ApiKeyList') },
  })
  async list() {
    return { items: await this.core.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute({
    operationId: 'revokeApiKey',
    summary: 'Revoke a key',
    tag: TAG,
    access: 'admin',
    responses: { '204': { description: 'Revoked' }, ...NOT_FOUND('API key') },
  })
  async revoke(@Param('id') id: string) {
    await this.core.apiKeys.revoke(id);
  }
}
