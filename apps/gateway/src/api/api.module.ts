import { Module } from '@nestjs/common';
import { ApiKeyBootstrap } from './api-key.bootstrap';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { API_CONFIG, loadApiConfig } from './api.config';
import { CampaignsController } from './campaigns.controller';
import { CatalogController } from './catalog.controller';
import { DevicesController } from './devices.controller';
import { DocsController } from './docs.controller';
import { EventsController } from './events.controller';
import { ImportBodyBypass } from './import-body-bypass';
import { JobReadFastPath } from './job-read.fast-path';
import { JobsController } from './jobs.controller';
import { MetricsController } from './metrics.controller';
import { SmscBindsController } from './smsc-binds.controller';

/** The operator REST API under /v1, with /metrics and /docs. Needs OrchestrationModule (global). */
@Module({
  controllers: [
    DevicesController,
    JobsController,
    CampaignsController,
    CatalogController,
    EventsController,
    ApiKeysController,
    MetricsController,
    DocsController,
    SmscBindsController,
  ],
  providers: [
    { provide: API_CONFIG, useFactory: loadApiConfig },
    ApiKeyGuard,
    ApiKeyBootstrap,
    ImportBodyBypass,
    JobReadFastPath,
  ],
})
export class ApiModule {}
