import type { Type } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { CampaignsController } from './campaigns.controller';
import { CatalogController } from './catalog.controller';
import { DevicesController } from './devices.controller';
import { DocsController } from './docs.controller';
import { EventsController } from './events.controller';
import { JobsController } from './jobs.controller';
import { MetricsController } from './metrics.controller';

/** The operator API's controllers: ApiModule registers them, openapi.ts documents them. */
export const apiControllers = (): Type[] => [
  DevicesController,
  JobsController,
  CampaignsController,
  CatalogController,
  EventsController,
  ApiKeysController,
  MetricsController,
  DocsController,
];
