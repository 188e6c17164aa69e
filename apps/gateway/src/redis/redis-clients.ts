import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { RedisTopology } from '../config/redis-topology';
import { ResolvedRedis } from './embedded-redis';
import { watchRedis } from './redis-errors';

/** A Redis (single or sentinel) or a Cluster: the REDIS token holds either. */
export type RedisClient = Redis | Cluster;

/** The configured cluster or sentinel set, shaped like the single-Redis resolution. */
export function externalRedis(topology: Exclude<RedisTopology, { kind: 'single' }>): ResolvedRedis {
  const list = topology.kind === 'cluster' ? topology.nodes : topology.sentinels;
  const hosts = list.map((n) => `${n.host}:${n.port}`).join(',');
  return {
    url:
      topology.kind === 'cluster'
        ? `redis-cluster://${hosts}`
        : `redis-sentinel://${hosts}/${topology.name}`,
    embedded: false,
    topology,
    release: async () => undefined,
  };
}

function nodeOptions(topology: RedisTopology): RedisOptions {
  if (topology.kind === 'single') return {};
  return {
    username: topology.username,
    password: topology.password,
    tls: topology.tls ? {} : undefined,
  };
}

function clusterOptions(
  topology: Extract<RedisTopology, { kind: 'cluster' }>,
  maxRetriesPerRequest: number | null,
): ClusterOptions {
  return {
    redisOptions: { ...nodeOptions(topology), maxRetriesPerRequest },
    // BullMQ blocks on its connections; ready-check and slot refresh keep a failover transparent
    enableReadyCheck: true,
    slotsRefreshTimeout: 2000,
  };
}

function sentinelOptions(topology: Extract<RedisTopology, { kind: 'sentinel' }>): RedisOptions {
  return {
    ...nodeOptions(topology),
    sentinels: topology.sentinels,
    name: topology.name,
    sentinelPassword: topology.sentinelPassword,
    enableTLSForSentinelMode: topology.tls,
  };
}

/** The shared command connection behind the REDIS token. */
export function createRedisClient(resolved: ResolvedRedis): RedisClient {
  const topology = resolved.topology;
  if (topology?.kind === 'cluster')
    return reporting(new Cluster(topology.nodes, clusterOptions(topology, 3)));
  if (topology?.kind === 'sentinel')
    return reporting(
      new Redis({
        ...sentinelOptions(topology),
        maxRetriesPerRequest: 3,
        // Follow a failover when the sentinels announce it (+switch-master), not seconds later when
        // the old master is demoted and drops its clients: writes in between would be lost. Its
        // sentinel subscriptions close only on disconnect(), hence closeRedis().
        failoverDetector: true,
      }),
    );
  return reporting(new Redis(resolved.url, { maxRetriesPerRequest: 3 }));
}

/**
 * Errors of the client, and of every client duplicated from it (feature modules each duplicate
 * the shared client), go to the process's Redis error reporter instead of ioredis' unhandled-error
 * print.
 */
function reporting<T extends RedisClient>(client: T): T {
  watchRedis(client, 'redis');
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => RedisClient;
  Object.defineProperty(client, 'duplicate', {
    value: (...args: unknown[]) => reporting(duplicate(...args)),
  });
  return client;
}

/**
 * BullMQ's connection. Single and sentinel: plain options (BullMQ opens its own connections).
 * Cluster: BullMQ cannot build a Cluster from options, so it gets a Cluster instance; it reuses it
 * for queues and duplicates it for blocking worker connections. Whoever provides it closes it.
 */
export function createBullConnection(resolved: ResolvedRedis): RedisOptions | Cluster {
  const topology = resolved.topology;
  if (topology?.kind === 'cluster')
    return new Cluster(topology.nodes, clusterOptions(topology, null));
  if (topology?.kind === 'sentinel')
    return { ...sentinelOptions(topology), maxRetriesPerRequest: null };
  return bullConnectionFromUrl(resolved.url);
}

export function bullConnectionFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export function isCluster(client: unknown): client is Cluster {
  return client instanceof Cluster;
}

/**
 * QUIT, then disconnect(): a sentinel client's failover detector keeps its own sentinel
 * connections until disconnect(), and would hold the process open.
 */
export async function closeRedis(client: {
  quit(): Promise<unknown>;
  disconnect(): void;
  status?: string;
}): Promise<void> {
  // Without a connection QUIT would wait for reconnects that shutdown does not want.
  if (client.status === 'ready') await client.quit().catch(() => undefined);
  client.disconnect();
}
