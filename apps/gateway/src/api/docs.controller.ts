import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { join } from 'node:path';
import { buildOpenApiDocument } from './openapi';
import { ApiRoute } from './route-doc';

const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dm-bridge API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;

/** OpenAPI document and Swagger UI (served from the swagger-ui-dist package, no CDN). */
@Controller('docs')
export class DocsController {
  private readonly document = buildOpenApiDocument();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiRoute({
    operationId: 'getDocsPage',
    summary: 'Swagger UI for this document',
    tag: 'Service',
    access: 'public',
    responses: { '200': { description: 'HTML', content: { 'text/html': { type: 'string' } } } },
  })
  page(): string {
    return PAGE;
  }

  @Get('openapi.json')
  @ApiRoute({
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    tag: 'Service',
    access: 'public',
    responses: { '200': { description: 'OpenAPI 3.1', schema: { type: 'object' } } },
  })
  openapi() {
    return this.document;
  }

  @Get('assets/:file')
  @ApiRoute({
    operationId: 'getDocsAsset',
    summary: 'Swagger UI assets',
    tag: 'Service',
    access: 'public',
    responses: {
      '200': {
        description: 'The file',
        content: { 'application/octet-stream': { type: 'string' } },
      },
      '404': { description: 'No such asset' },
    },
  })
  asset(@Param('file') file: string, @Res() res: Response) {
    if (!ASSETS.has(file)) throw new NotFoundException();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dir = (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
    res.sendFile(join(dir, file), { maxAge: '1d' });
  }
}
