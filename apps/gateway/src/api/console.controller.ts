import { Controller, Get, Header, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import type { Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where `npm run build` put the console (dist/console): next to the compiled gateway, or under
 * dist/ when the gateway runs from its sources (tests). CONSOLE_DIR overrides both.
 */
export function consoleDir(): string | undefined {
  const root = join(__dirname, '..', '..', '..', '..');
  const candidates = [
    process.env.CONSOLE_DIR,
    join(root, 'console'),
    join(root, 'dist', 'console'),
  ].filter((d): d is string => !!d);
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dm-bridge console</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>npm run build</code> (or <code>npm run build:console</code>) and restart the gateway.</p></main></body></html>`;

/**
 * The operator console's built files at /console (apps/console; a single page that talks to
 * /v1 only). Only files the build produced are served: the list is read once at start.
 */
@Controller('console')
export class ConsoleController {
  private readonly dir = consoleDir();
  private readonly assets = new Set(
    this.dir && existsSync(join(this.dir, 'assets')) ? readdirSync(join(this.dir, 'assets')) : [],
  );

  @Get()
  page(@Res() res: Response) {
    res.setHeader('cache-control', 'no-cache');
    if (!this.dir) return res.status(503).type('html').send(NOT_BUILT);
    res.sendFile(join(this.dir, 'index.html'));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response) {
    if (!this.dir || !this.assets.has(file)) throw new NotFoundException();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(join(this.dir, 'assets', file));
  }
}

/** `GET /` leads to the console. */
@Controller()
export class RootRedirectController {
  @Get()
  @Redirect('/console', 302)
  @Header('cache-control', 'no-cache')
  root() {
    return undefined;
  }
}
