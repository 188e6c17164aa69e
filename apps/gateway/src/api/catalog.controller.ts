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
import { ApiRoute } from './route-doc';
import { answer, NOT_FOUND } from './route-helpers';
import { ref } from './schema/api-schemas';
import { YAML_MEDIA_TYPES } from './import-body-bypass';

const TAG = 'Catalog';

/** How YAML syntax errors name the body. */
const BODY = 'request body';

/**
 * A catalog write's body: JSON (parsed by the body parser) or YAML (`application/yaml`,
 * `text/yaml`, `application/x-yaml`, which arrive as text and are parsed by core).
 */
function entryBody(body: unknown): Record<string, any> {
  return requireObject(typeof body === 'string' ? parseCatalogText(BODY, body, 'yaml') : body);
}

/** The OpenAPI body of a catalog write: the same schema as JSON and in every YAML media type. */
function jsonOrYamlBody(schema: string) {
  return {
    body: ref(schema),
    bodyContent: Object.fromEntries(YAML_MEDIA_TYPES.map((t) => [t, ref(schema)])),
  };
}

/** The parameter catalog and profiles: shipped defaults plus what operators add. */
@Controller('v1')
@UseGuards(ApiKeyGuard)
@UseFilters(ProblemDetailsFilter)
export class CatalogController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('parameters')
  @ApiRoute({
    operationId: 'listParameters',
    summary: 'The parameter catalog',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('Every parameter', 'ParameterList') },
  })
  parameters() {
    return { items: this.core.catalog.current().listParameters() };
  }

  @Get('parameters/:name')
  @ApiRoute({
    operationId: 'getParameter',
    summary: 'One parameter definition',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('The parameter', 'Parameter'), ...NOT_FOUND('parameter') },
  })
  parameter(@Param('name') name: string) {
    const p = this.core.catalog.current().getParameter(name);
    if (!p) throw new NotFoundError('parameter', name);
    return p;
  }

  @Post('parameters')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'createParameter',
    summary: 'Add a parameter definition (JSON or YAML)',
    tag: TAG,
    access: 'write',
    ...jsonOrYamlBody('Parameter'),
    validateBody: false,
    responses: { '201': answer('The parameter', 'Parameter') },
  })
  createParameter(@Body() body: unknown) {
    return this.core.catalog.saveParameter(entryBody(body));
  }

  @Put('parameters/:name')
  @ApiRoute({
    operationId: 'saveParameter',
    summary: 'Create or replace a parameter definition (JSON or YAML)',
    tag: TAG,
    access: 'write',
    ...jsonOrYamlBody('Parameter'),
    validateBody: false,
    responses: { '200': answer('The parameter', 'Parameter') },
  })
  updateParameter(@Param('name') name: string, @Body() body: unknown) {
    const b = entryBody(body);
    if (b.name !== undefined && b.name !== name)
      throw new ValidationError('name-mismatch', 'the body names another parameter');
    return this.core.catalog.saveParameter({ ...b, name });
  }

  @Get('profiles')
  @ApiRoute({
    operationId: 'listProfiles',
    summary: 'Device profiles',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('Every profile', 'ProfileList') },
  })
  profiles() {
    return { items: this.core.catalog.current().listProfiles() };
  }

  @Get('profiles/:id')
  @ApiRoute({
    operationId: 'getProfile',
    summary: 'One profile',
    tag: TAG,
    access: 'read',
    responses: { '200': answer('The profile', 'Profile'), ...NOT_FOUND('profile') },
  })
  profile(@Param('id') id: string) {
    return this.core.catalog.current().requireProfile(id);
  }

  @Post('profiles')
  @HttpCode(201)
  @ApiRoute({
    operationId: 'createProfile',
    summary: 'Add a profile (JSON or YAML)',
    tag: TAG,
    access: 'write',
    ...jsonOrYamlBody('Profile'),
    validateBody: false,
    responses: { '201': answer('The profile', 'Profile') },
  })
  createProfile(@Body() body: unknown) {
    return this.core.catalog.saveProfile(entryBody(body));
  }

  @Put('profiles/:id')
  @ApiRoute({
    operationId: 'saveProfile',
    summary: 'Create or replace a profile (JSON or YAML)',
    tag: TAG,
    access: 'write',
    ...jsonOrYamlBody('Profile'),
    validateBody: false,
    responses: { '200': answer('The profile', 'Profile') },
  })
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
  @ApiRoute({
    operationId: 'importCatalog',
    summary: 'Upsert a whole catalog file (JSON or YAML), all or nothing',
    tag: TAG,
    access: 'write',
    ...jsonOrYamlBody('CatalogFile'),
    validateBody: false,
    responses: { '200': answer('How many entries were saved', 'CatalogSaved') },
  })
  async importCatalog(@Body() body: unknown) {
    const file: CatalogFile =
      typeof body === 'string'
        ? parseCatalogFile(BODY, body, 'yaml')
        : validateCatalogFile(BODY, requireObject(body));
    return this.core.catalog.saveCatalog(file);
  }
}
