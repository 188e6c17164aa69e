import { MAX_SHARDS } from '@dm-bridge/core';
import { envEnum, envInt, envPort, envString, envUrl, rawEnv } from './env';
import { hashTaggedPrefix, loadRedisTopology, RedisTopology } from './redis-topology';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export type GatewayRole = 'all' | 'api' | 'worker';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface GatewayConfig {
  role: GatewayRole;
  host: string;
  apiPort: number;
  deviceHttpPort: number;
  /** How devices reach the device listener (DM RespURI, CP DM account address). */
  publicBaseUrl?: string;
  /** Unset: use 127.0.0.1:6379 if it answers, else the embedded redis-server. */
  redisUrl?: string;
  /** single (REDIS_URL / local / embedded), cluster (REDIS_CLUSTER_NODES) or sentinel */
  redisTopology: RedisTopology;
  /** hash-tagged (`{dmb}:`) on a cluster so all gateway keys share one slot */
  redisPrefix: string;
  /** How many shards device data is spread over (REDIS_SHARDS; 16 on a cluster, else 1). */
  redisShards: number;
  logLevel: LogLevel;
  deviceHttpMaxBody: number;
  /** A listener of its own for /healthz and /readyz (HEALTH_PORT; off unless set, any role). */
  healthPort?: number;
  /** SIGTERM/SIGINT: everything is done (or cut) within this, then the process exits. */
  shutdownGraceMs: number;
  /** Shutdown drain: device listeners stay open until no device request for this long. */
  drainQuietMs: number;
  varDir: string;
}

export function loadGatewayConfig(): GatewayConfig {
  const redisTopology = loadRedisTopology();
  const redisPrefix = envString('REDIS_PREFIX', 'dmb:');
  return {
    role: envEnum('GATEWAY_ROLE', ['all', 'api', 'worker'] as const, 'all'),
    host: envString('HOST', '0.0.0.0'),
    apiPort: envPort('API_PORT', 8080),
    deviceHttpPort: envPort('DEVICE_HTTP_PORT', 8081),
    publicBaseUrl: envUrl('PUBLIC_BASE_URL', undefined, ['http', 'https']),
    redisUrl: envUrl('REDIS_URL', undefined, ['redis', 'rediss']),
    redisTopology,
    redisPrefix: redisTopology.kind === 'cluster' ? hashTaggedPrefix(redisPrefix) : redisPrefix,
    redisShards: envInt('REDIS_SHARDS', redisTopology.kind === 'cluster' ? 16 : 1, {
      min: 1,
      max: MAX_SHARDS,
    }),
    logLevel: envEnum('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    deviceHttpMaxBody: envInt('DEVICE_HTTP_MAX_BODY', 1024 * 1024, { min: 1024, max: 64 << 20 }),
    healthPort: rawEnv('HEALTH_PORT') === undefined ? undefined : envPort('HEALTH_PORT', 0),
    shutdownGraceMs: envInt('SHUTDOWN_GRACE_MS', 10000, { min: 0, max: 600000 }),
    drainQuietMs: envInt('SHUTDOWN_DRAIN_QUIET_MS', 1000, { min: 0, max: 600000 }),
    varDir: envString('VAR_DIR', 'var'),
  };
}

export function runsApi(config: GatewayConfig): boolean {
  return config.role === 'all' || config.role === 'api';
}

export function runsWorker(config: GatewayConfig): boolean {
  return config.role === 'all' || config.role === 'worker';
}
