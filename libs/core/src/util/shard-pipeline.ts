import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Runs `add` for every item in one pipeline per shard, the pipelines in parallel, and returns the
 * replies in the items' order. A Redis Cluster only pipelines commands of one slot, and every
 * shard is one slot; on a single Redis this is a pipeline per shard all the same.
 */
export function pipelinePerShard<T>(
  redis: Redis,
  items: readonly T[],
  shardOf: (item: T) => number,
  add: (pipe: ChainableCommander, item: T) => void,
): Promise<unknown[]> {
  return readPerShard(items, shardOf, async (_shard, group) => {
    const pipe = redis.pipeline();
    for (const item of group) add(pipe, item);
    return ((await pipe.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  });
}

/** Item indexes grouped by shard. */
export function groupByShard<T>(
  items: readonly T[],
  shardOf: (item: T) => number,
): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  items.forEach((item, i) => {
    const k = shardOf(item);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  return groups;
}

/** Runs `run` once per shard with that shard's items, the shards in parallel. */
export async function forEachShardGroup<T>(
  items: readonly T[],
  shardOf: (item: T) => number,
  run: (shard: number, group: T[]) => Promise<unknown>,
): Promise<void> {
  await Promise.all(
    [...groupByShard(items, shardOf)].map(([k, indexes]) =>
      run(
        k,
        indexes.map((i) => items[i]),
      ),
    ),
  );
}

/**
 * One read per shard (MGET, HMGET, a pipeline …) for items spread over shards, in parallel; the
 * results come back in the items' order.
 */
export async function readPerShard<T, R>(
  items: readonly T[],
  shardOf: (item: T) => number,
  read: (shard: number, group: T[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  await Promise.all(
    [...groupByShard(items, shardOf)].map(async ([k, indexes]) => {
      const values = await read(
        k,
        indexes.map((i) => items[i]),
      );
      indexes.forEach((i, j) => (out[i] = values[j]));
    }),
  );
  return out;
}
