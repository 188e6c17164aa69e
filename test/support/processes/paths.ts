import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from this file whether it runs from test/ (jest) or dist/ (bench). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

/** A built entry point, e.g. `built('apps/gateway/src/main.js')`; `npm run build` makes them. */
export function built(rel: string): string {
  const file = join(repoRoot(), 'dist', rel);
  if (!existsSync(file)) throw new Error(`${file} missing: run npm run build first`);
  return file;
}
