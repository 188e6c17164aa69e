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
import { Core, NotFoundError, ValidationError } from '@dm-bridge/core';
import { CORE } from '../orchestration/orchestration.tokens';
import { ApiKeyGuard } from './api-key.guard';
import { ProblemDetailsFilter } from './problem-details.filter';
import { requireObject } from './query';

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
    return this.core.catalog.saveParameter(requireObject(body));
  }

  @Put('parameters/:name')
  updateParameter(@Param('name') name: string, @Body() body: unknown) {
    const b = requireObject(body);
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
    return this.core.catalog.saveProfile(requireObject(body));
  }

  @Put('profiles/:id')
  updateProfile(@Param('id') id: string, @Body() body: unknown) {
    const b = requireObject(body);
    if (b.id !== undefined && b.id !== id)
      throw new ValidationError('id-mismatch', 'the body names another profile');
    return this.core.catalog.saveProfile({ ...b, id });
  }
}
