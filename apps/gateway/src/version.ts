import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** dm-bridge's version, from the nearest package.json named dm-bridge (source or dist tree). */
export function gatewayVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'dm-bridge' && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here: look further up
    }
    if (dirname(dir) === dir) return (cached = '0.0.0');
  }
}

/** The User-Agent of the gateway's own HTTP requests (webhooks). */
export const userAgent = () => `dm-bridge/${gatewayVersion()}`;
