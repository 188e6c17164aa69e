/**
 * Typed readers for environment variables. A wrong value throws ConfigError naming the variable,
 * which main.ts turns into a one-line message and exit code 1.
 *
 * `withEnvOverrides` lets tests (and startGateway) layer values over process.env while the
 * application is being created, without mutating process.env.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

let overrides: Record<string, string | undefined> | undefined;

export function rawEnv(name: string): string | undefined {
  if (overrides && name in overrides) return overrides[name];
  const value = process.env[name];
  return value === '' ? undefined : value;
}

export async function withEnvOverrides<T>(
  values: Record<string, string | undefined> | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = overrides;
  overrides = values ? { ...(previous ?? {}), ...values } : previous;
  try {
    return await fn();
  } finally {
    overrides = previous;
  }
}

export function envString(name: string, defaultValue: string): string;
export function envString(name: string, defaultValue?: undefined): string | undefined;
export function envString(name: string, defaultValue?: string): string | undefined {
  return rawEnv(name) ?? defaultValue;
}

export function envInt(
  name: string,
  defaultValue: number,
  range: { min?: number; max?: number } = {},
): number {
  const raw = rawEnv(name);
  if (raw === undefined) return defaultValue;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (range.min !== undefined && value < range.min)
    throw new ConfigError(name, `must be >= ${range.min}, got ${value}`);
  if (range.max !== undefined && value > range.max)
    throw new ConfigError(name, `must be <= ${range.max}, got ${value}`);
  return value;
}

export function envNumber(
  name: string,
  defaultValue: number,
  range: { min?: number; max?: number } = {},
): number {
  const raw = rawEnv(name);
  if (raw === undefined) return defaultValue;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(name, `must be a number, got "${raw}"`);
  if (range.min !== undefined && value < range.min)
    throw new ConfigError(name, `must be >= ${range.min}, got ${value}`);
  if (range.max !== undefined && value > range.max)
    throw new ConfigError(name, `must be <= ${range.max}, got ${value}`);
  return value;
}

export function envPort(name: string, defaultValue: number): number {
  return envInt(name, defaultValue, { min: 0, max: 65535 });
}

export function envBool(name: string, defaultValue: boolean): boolean {
  const raw = rawEnv(name);
  if (raw === undefined) return defaultValue;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** A comma-separated list of allowed values, in the order given (empty: none). */
export function envEnumList<T extends string>(
  name: string,
  values: readonly T[],
  defaultValue: readonly T[],
): T[] {
  const raw = rawEnv(name);
  if (raw === undefined) return [...defaultValue];
  const items = raw
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = items.filter((v) => !(values as readonly string[]).includes(v));
  if (bad.length)
    throw new ConfigError(name, `must list some of ${values.join(', ')}, got "${bad.join(', ')}"`);
  return items as T[];
}

export function envEnum<T extends string>(name: string, values: readonly T[], defaultValue: T): T {
  const raw = rawEnv(name);
  if (raw === undefined) return defaultValue;
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function envUrl(
  name: string,
  defaultValue: string | undefined,
  protocols?: readonly string[],
): string | undefined {
  const raw = rawEnv(name) ?? defaultValue;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${redactUrl(raw)}"`);
  }
  if (protocols && !protocols.includes(url.protocol.replace(/:$/, '')))
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  return raw;
}

/** Hides the password part of a URL so configuration errors and logs never show it. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

export interface HostPort {
  host: string;
  port: number;
}

/** A comma-separated `host:port` list (IPv6 hosts in brackets), e.g. REDIS_CLUSTER_NODES. */
export function envHostPortList(name: string): HostPort[] | undefined {
  const raw = rawEnv(name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new ConfigError(name, 'must list at least one host:port');
  return items.map((item) => {
    const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(item);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535)
      throw new ConfigError(name, `must be a comma-separated host:port list, got "${item}"`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
}
