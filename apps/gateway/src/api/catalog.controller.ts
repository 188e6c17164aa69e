import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  CatalogFile,
  Core,
  NotFoundError,
  parseCatalogFile,
  parseCatalogText,
  validateCatalogFile,
  ValidationError,
} from '@dm-bridge/core';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { requireObject } from './query';

/** How YAML syntax errors name the body. */
const BODY = 'request body';

/**
 * A catalog write's body: JSON (parsed by the body parser) or YAML (`application/yaml`,
 * `text/yaml`, `application/x-yaml`, which arrive as text and are parsed by core).
 */
function entryBody(body: unknown): Record<string, any> {
  return requireObject(typeof body === 'string' ? parseCatalogText(BODY, body, 'yaml') : body);
}

/** The parameter catalog and profiles: shipped defaults plus what operators add. */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class CatalogController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('parameters')
  parameters() {
    return { items: this.core.catalog.current().listParameters() };
  }

  @Get('parameters/:name')
  parameter(@Param('name') name: string) {
    const p = this.core.catalog.current().getParameter(name);
    if (!p) throw new NotFoundError('parameter', name);
    return p;
  }

  @Post('parameters')
  @HttpCode(201)
  createParameter(@Body() body: unknown) {
    return this.core.catalog.saveParameter(entryBody(body));
  }

  @Put('parameters/:name')
  updateParameter(@Param('name') name: string, @Body() body: unknown) {
    const b = entryBody(body);
    if (b.name !== undefined && b.name !== name)
      throw new ValidationError('name-mismatch', 'the body names another parameter');
    return this.core.catalog.saveParameter({ ...b, name });
  }

  @Get('profiles')
  profiles() {
    return { items: this.core.catalog.current().listProfiles() };
  }

  @Get('profiles/:id')
  profile(@Param('id') id: string) {
    return this.core.catalog.current().requireProfile(id);
  }

  @Post('profiles')
  @HttpCode(201)
  createProfile(@Body() body: unknown) {
    return this.core.catalog.saveProfile(entryBody(body));
  }

  @Put('profiles/:id')
  updateProfile(@Param('id') id: string, @Body() body: unknown) {
    const b = entryBody(body);
    if (b.id !== undefined && b.id !== id)
      throw new ValidationError('id-mismatch', 'the body names another profile');
    return this.core.catalog.saveProfile({ ...b, id });
  }

  /**
   * A whole catalog file (`{parameters, profiles}`, JSON or YAML) in one request, validated like
   * CATALOG_DIR files: nothing is written unless every entry is valid.
   */
  @Post('catalog')
  @HttpCode(200)
  async importCatalog(@Body() body: unknown) {
    const file: CatalogFile =
      typeof body === 'string'
        ? parseCatalogFile(BODY, body, 'yaml')
        : validateCatalogFile(BODY, requireObject(body));
    return this.core.catalog.saveCatalog(file);
  }
}
