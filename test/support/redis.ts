import { randomBytes } from 'node:crypto';
import Redis, { Cluster } from 'ioredis';

/**
 * A Redis connection for one test file with a key prefix nobody else uses.
 * Tests share the machine's Redis with other runs and jest workers: they only ever delete
 * keys under their own prefix (never FLUSHALL/FLUSHDB).
 */
export interface TestRedis {
  redis: Redis;
  /** e.g. "t:4f2a9c1b:" — use it for repository keys and as the BullMQ prefix base */
  prefix: string;
  url: string;
  /** removes every key under the prefix and closes the connection */
  cleanup(): Promise<void>;
}

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `TEST_REDIS_CLUSTER_NODES=127.0.0.1:7001,…` (set by `npm run test:cluster`) runs the suites that
 * use this file against a Redis Cluster: clients become ioredis Clusters and prefixes hash tags.
 */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

function clusterNodes(): { host: string; port: number }[] {
  return (TEST_REDIS_CLUSTER_NODES ?? '').split(',').map((hp) => {
    const [host, port] = hp.trim().split(':');
    return { host, port: Number(port) };
  });
}

/** A client on the test Redis (a Cluster, typed as Redis, under TEST_REDIS_CLUSTER_NODES). */
export function testRedisClient(): Redis {
  if (!TEST_REDIS_CLUSTER_NODES)
    return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
  return new Cluster(clusterNodes(), {
    redisOptions: { maxRetriesPerRequest: null },
  }) as unknown as Redis;
}

/**
 * Shards for core (REDIS_SHARDS): `TEST_REDIS_SHARDS`, else the gateway's default for the
 * topology (16 on a cluster, 1 on a single Redis).
 */
export function testRedisShards(): number {
  return Number(process.env.TEST_REDIS_SHARDS || (TEST_REDIS_CLUSTER_NODES ? 16 : 1));
}

/** Env for startGateway pointing it at the test Redis (single URL or cluster nodes). */
export function testRedisEnv(): Record<string, string> {
  const shards: Record<string, string> = process.env.TEST_REDIS_SHARDS
    ? { REDIS_SHARDS: process.env.TEST_REDIS_SHARDS }
    : {};
  return TEST_REDIS_CLUSTER_NODES
    ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES, ...shards }
    : { REDIS_URL: TEST_REDIS_URL, ...shards };
}

export function uniquePrefix(tag = 't'): string {
  const unique = `${tag}:${process.pid}${randomBytes(4).toString('hex')}`;
  // on a cluster a test's keys share one slot (as the gateway's do), different tests spread out
  return TEST_REDIS_CLUSTER_NODES ? `{${unique}}:` : `${unique}:`;
}

async function deleteOnNode(redis: Redis, prefix: string, keyByKey: boolean): Promise<number> {
  let deleted = 0;
  // core's shards of a `{tag}:` prefix are tagged `{tag:<n>}:` (see RedisShards)
  const tagged = /^\{([^}]+)\}/.exec(prefix);
  for (const pattern of tagged ? [`${prefix}*`, `{${tagged[1]}:*`] : [`${prefix}*`])
    deleted += await deleteMatching(redis, pattern, keyByKey);
  return deleted;
}

async function deleteMatching(redis: Redis, pattern: string, keyByKey: boolean): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    // on a cluster node keys of different slots cannot share one UNLINK (CROSSSLOT)
    if (keyByKey) for (const key of keys) deleted += await redis.unlink(key);
    else deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Deletes every key under `prefix`; on a cluster SCAN runs on each master. */
export async function deleteKeysWithPrefix(
  redis: Redis | Cluster,
  prefix: string,
): Promise<number> {
  if (redis instanceof Cluster) {
    // a fresh Cluster knows its masters only once it has read the slot map
    if (redis.status !== 'ready') await new Promise((ready) => redis.once('ready', ready));
    const counts = await Promise.all(
      redis.nodes('master').map((n) => deleteOnNode(n, prefix, true)),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
  return deleteOnNode(redis, prefix, false);
}

export function createTestRedis(tag = 't'): TestRedis {
  const redis = testRedisClient();
  const prefix = uniquePrefix(tag);
  return {
    redis,
    prefix,
    url: TEST_REDIS_URL,
    async cleanup() {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
}
