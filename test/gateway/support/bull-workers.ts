import { ConnectionOptions, Queue } from 'bullmq';
import { bullConnectionFromUrl } from '../../../apps/gateway/src/redis/redis-clients';

/**
 * How many BullMQ workers Redis sees per queue (BullMQ names its worker connections after their
 * queue; `getWorkers` reads CLIENT LIST). Queues without workers are left out.
 */
export async function bullWorkers(
  redisUrl: string,
  prefix: string,
  queues: string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of queues) {
    const connection = bullConnectionFromUrl(redisUrl) as ConnectionOptions;
    const q = new Queue(name, { connection, prefix });
    try {
      const n = (await q.getWorkers()).length;
      if (n) out[name] = n;
    } finally {
      await q.close();
    }
  }
  return out;
}
