import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ApiKeyBootstrap } from './api-key.bootstrap';
import { ApiKeyGuard } from './api-key.guard';
import { apiControllers } from './api.controllers';
import { API_CONFIG, loadApiConfig } from './api.config';
import { HttpEdges } from './http-edges';
import { ConsoleController, RootRedirectController } from './console.controller';
import { ImportBodyBypass } from './import-body-bypass';
import { JobReadFastPath } from './job-read.fast-path';
import { ProblemDetailsFilter } from './problem-details.filter';
import { SmscBindsController } from './smsc-binds.controller';
import { RequestSchemaInterceptor } from './request-schema.interceptor';

/** The operator REST API under /v1, with /metrics, /docs and the console (/console). Needs OrchestrationModule (global). */
@Module({
  controllers: [
    ...apiControllers(),
    SmscBindsController,
    ConsoleController,
    RootRedirectController,
  ],
  providers: [
    { provide: API_CONFIG, useFactory: loadApiConfig },
    ApiKeyGuard,
    ApiKeyBootstrap,
    HttpEdges,
    ImportBodyBypass,
    // unknown routes and errors outside controllers answer problem details too
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_INTERCEPTOR, useClass: RequestSchemaInterceptor },
    JobReadFastPath,
  ],
})
export class ApiModule {}
