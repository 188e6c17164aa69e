import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

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

export function uniquePrefix(tag = 't'): string {
  return `${tag}:${process.pid}${randomBytes(4).toString('hex')}:`;
}

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export function createTestRedis(tag = 't'): TestRedis {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
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
