import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Runs `add` for every item in one pipeline per shard, the pipelines in parallel, and returns the
 * replies in the items' order. A Redis Cluster only pipelines commands of one slot, and every
 * shard is one slot; on a single Redis this is a pipeline per shard all the same.
 */
export async function pipelinePerShard<T>(
  redis: Redis,
  items: readonly T[],
  shardOf: (item: T) => number,
  add: (pipe: ChainableCommander, item: T) => void,
): Promise<unknown[]> {
  const groups = groupByShard(items, shardOf);
  const out: unknown[] = new Array(items.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipe = redis.pipeline();
      for (const i of indexes) add(pipe, items[i]);
      const replies = (await pipe.exec()) ?? [];
      replies.forEach(([err, reply], j) => {
        if (err) throw err;
        out[indexes[j]] = reply;
      });
    }),
  );
  return out;
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
 * One multi-key read per shard (MGET, HMGET …) for ids spread over shards, in parallel; the
 * results come back in the ids' order.
 */
export async function readPerShard<R>(
  ids: readonly string[],
  shardOf: (id: string) => number,
  read: (shard: number, ids: string[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = new Array(ids.length);
  await Promise.all(
    [...groupByShard(ids, shardOf)].map(async ([k, indexes]) => {
      const values = await read(
        k,
        indexes.map((i) => ids[i]),
      );
      indexes.forEach((i, j) => (out[i] = values[j]));
    }),
  );
  return out;
}
