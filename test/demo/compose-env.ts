import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `${VAR:?error}`, from `env`. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon: string, kind: string, arg: string) => {
      const v = env[name];
      const missing = colon ? v === undefined || v === '' : v === undefined;
      if (!kind || !missing) return v ?? '';
      if (kind === '-') return arg;
      throw new Error(`compose: ${name} ${arg}`);
    },
  );
}

export function loadCompose(
  text: string,
  env: Record<string, string | undefined> = {},
): Record<string, ComposeService> {
  const doc = parse(interpolate(text, env)) as { services: Record<string, ComposeService> };
  return doc.services;
}

/**
 * A service's environment as it would run here: `host:port` of another service becomes
 * 127.0.0.1 and the port this machine uses for it; a bare service name (a host to bind) 127.0.0.1.
 */
export function mapEnv(
  env: Record<string, string>,
  ports: Record<string, Record<number, number>>,
  bareHostKeys: string[] = [],
  portKeys: Record<string, [string, number]> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(env)) {
    let v = String(raw).replace(/\b([a-z][a-z0-9-]*):(\d+)\b/g, (m, host: string, port: string) => {
      const mapped = ports[host]?.[Number(port)];
      return mapped ? `127.0.0.1:${mapped}` : m;
    });
    if (bareHostKeys.includes(k) && ports[v]) v = '127.0.0.1';
    if (portKeys[k]) v = String(ports[portKeys[k][0]][portKeys[k][1]]);
    out[k] = v;
  }
  return out;
}
