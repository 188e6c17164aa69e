import type { Redis } from 'ioredis';

/**
 * SCRIPT LOAD on the one server, or on every master when `redis` is an ioredis Cluster: EVALSHA
 * runs on whichever master owns the routing key's slot, and a script cache is per node.
 */
export async function loadScript(redis: Redis, source: string): Promise<string> {
  const nodes = (redis as unknown as { nodes?: (role: 'master') => Redis[] }).nodes;
  if (typeof nodes !== 'function') return (await redis.script('LOAD', source)) as string;
  const shas = await Promise.all(
    nodes.call(redis, 'master').map((node) => node.script('LOAD', source)),
  );
  return shas[0] as string;
}
