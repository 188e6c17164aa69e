import type { Redis } from 'ioredis';

/** The server itself, or every master when `redis` is an ioredis Cluster. */
export function redisMasters(redis: Redis): Redis[] {
  const nodes = (redis as unknown as { nodes?: (role: 'master') => Redis[] }).nodes;
  return typeof nodes === 'function' ? nodes.call(redis, 'master') : [redis];
}

/**
 * SCRIPT LOAD on every master (the one server of a single Redis): EVALSHA runs on whichever
 * master owns the routing key's slot, and a script cache is per node.
 */
export async function loadScript(redis: Redis, source: string): Promise<string> {
  const shas = await Promise.all(redisMasters(redis).map((node) => node.script('LOAD', source)));
  return shas[0] as string;
}

/**
 * A Lua script run by EVALSHA, loaded once per process (on every master of a cluster) and reloaded
 * when a server restarted without it. Keys go in KEYS so a cluster routes the call to the right
 * master; scripts that compute further keys of the same shard from a base do so in ARGV.
 */
export class LuaScript {
  private sha?: string;
  constructor(private readonly source: string) {}

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    this.sha ??= await loadScript(redis, this.source);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String(err).includes('NOSCRIPT')) throw err;
      this.sha = undefined;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** The loaded script's sha, for pipelines (which cannot retry a NOSCRIPT call by themselves). */
  async loadedSha(redis: Redis): Promise<string> {
    this.sha ??= await loadScript(redis, this.source);
    return this.sha;
  }
}
