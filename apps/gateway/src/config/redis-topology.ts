import { ConfigError, envBool, envHostPortList, envString, envUrl, HostPort } from './env';

/**
 * Which Redis the gateway talks to. `single` is the default (REDIS_URL, or the local/embedded
 * fallback when unset); `cluster` and `sentinel` are chosen by their own variables, and at most one
 * of the three may be set.
 */
export type RedisTopology =
  | { kind: 'single'; url?: string }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string; tls: boolean }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      name: string;
      username?: string;
      password?: string;
      sentinelPassword?: string;
      tls: boolean;
    };

export function loadRedisTopology(): RedisTopology {
  const url = envUrl('REDIS_URL', undefined, ['redis', 'rediss']);
  const nodes = envHostPortList('REDIS_CLUSTER_NODES');
  const sentinels = envHostPortList('REDIS_SENTINELS');
  const chosen = [
    url && 'REDIS_URL',
    nodes && 'REDIS_CLUSTER_NODES',
    sentinels && 'REDIS_SENTINELS',
  ]
    .filter(Boolean)
    .join(', ');
  if (chosen.includes(','))
    throw new ConfigError(
      nodes ? 'REDIS_CLUSTER_NODES' : 'REDIS_SENTINELS',
      `cannot be combined with another Redis topology (set: ${chosen})`,
    );
  const username = envString('REDIS_USERNAME');
  const password = envString('REDIS_PASSWORD');
  const tls = envBool('REDIS_TLS', false);
  if (nodes) return { kind: 'cluster', nodes, username, password, tls };
  if (sentinels) {
    const name = envString('REDIS_SENTINEL_NAME');
    if (!name) throw new ConfigError('REDIS_SENTINEL_NAME', 'is required with REDIS_SENTINELS');
    const sentinelPassword = envString('REDIS_SENTINEL_PASSWORD');
    return { kind: 'sentinel', sentinels, name, username, password, sentinelPassword, tls };
  }
  if (envString('REDIS_SENTINEL_NAME') !== undefined)
    throw new ConfigError('REDIS_SENTINEL_NAME', 'needs REDIS_SENTINELS (the sentinel addresses)');
  return { kind: 'single', url };
}

/**
 * On a cluster every gateway key must share one hash slot (multi-key Lua scripts and MULTI would
 * fail with CROSSSLOT otherwise), so the prefix becomes a hash tag: `dmb:` -> `{dmb}:`. A prefix that
 * already holds a non-empty `{tag}` is kept as it is.
 */
export function hashTaggedPrefix(prefix: string): string {
  if (/\{[^}]+\}/.test(prefix)) return prefix;
  const sep = /[:._-]$/.test(prefix) ? prefix.slice(-1) : '';
  const body = sep ? prefix.slice(0, -1) : prefix;
  if (!body) throw new ConfigError('REDIS_PREFIX', 'must not be empty with REDIS_CLUSTER_NODES');
  return `{${body}}${sep}`;
}
