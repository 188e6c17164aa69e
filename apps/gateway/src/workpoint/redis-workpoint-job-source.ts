import type { JobOutcome, WorkpointEvent, WorkpointItem, WorkpointJob } from '@dm-bridge/workpoint';
import { RedisShards } from '@dm-bridge/core';
import type Redis from 'ioredis';
import { WorkpointJobSource, WorkpointWork } from './workpoint-job-source';

const EVENT_LOG_LENGTH = 1000;

/**
 * Stand-alone job source over Redis: a list of JSON jobs per phone, a desired-items document per
 * phone, outcomes and faults as lists, events in one capped list.
 * Keys: `wp:jobs:<mac>`, `wp:desired:<mac>`, `wp:outcomes:<mac>`, `wp:faults:<mac>` in the MAC's
 * shard (beside the phone's state), `<prefix>wp:events` under the deployment prefix.
 */
export class RedisWorkpointJobSource implements WorkpointJobSource {
  constructor(
    private readonly redis: Redis,
    /** the deployment's shards (`new RedisShards(prefix)` for one) */
    private readonly shards: RedisShards,
  ) {}

  private key(kind: string, mac: string): string {
    return `${this.shards.ofValue(mac).prefix}wp:${kind}:${mac}`;
  }

  async enqueue(mac: string, job: WorkpointJob): Promise<void> {
    await this.redis.rpush(this.key('jobs', mac), JSON.stringify(job));
  }

  async setDesired(mac: string, items: WorkpointItem[]): Promise<void> {
    await this.redis.set(this.key('desired', mac), JSON.stringify(items));
  }

  async work(mac: string): Promise<WorkpointWork> {
    const [jobs, desired] = await Promise.all([
      this.redis.lrange(this.key('jobs', mac), 0, -1),
      this.redis.get(this.key('desired', mac)),
    ]);
    return {
      jobs: jobs.map((j) => JSON.parse(j) as WorkpointJob),
      desired: desired ? (JSON.parse(desired) as WorkpointItem[]) : undefined,
    };
  }

  async hasPending(mac: string): Promise<boolean> {
    return (await this.redis.llen(this.key('jobs', mac))) > 0;
  }

  async complete(mac: string, outcome: JobOutcome): Promise<void> {
    const key = this.key('jobs', mac);
    const raw = await this.redis.lrange(key, 0, -1);
    const match = raw.find((j) => (JSON.parse(j) as WorkpointJob).id === outcome.jobId);
    const multi = this.redis.multi();
    if (match) multi.lrem(key, 1, match);
    multi.rpush(this.key('outcomes', mac), JSON.stringify(outcome));
    await multi.exec();
  }

  async fault(mac: string, message: string): Promise<void> {
    await this.redis.rpush(this.key('faults', mac), JSON.stringify({ at: Date.now(), message }));
  }

  private eventsSinceTrim = 0;

  async event(event: WorkpointEvent): Promise<void> {
    const key = `${this.shards.prefix}wp:events`;
    await this.redis.lpush(key, JSON.stringify(event));
    // trimming now and then keeps the log bounded at one command per event
    if (++this.eventsSinceTrim >= 64) {
      this.eventsSinceTrim = 0;
      await this.redis.ltrim(key, 0, EVENT_LOG_LENGTH - 1);
    }
  }

  async outcomes(mac: string): Promise<JobOutcome[]> {
    return (await this.redis.lrange(this.key('outcomes', mac), 0, -1)).map((o) => JSON.parse(o));
  }

  async faults(mac: string): Promise<{ at: number; message: string }[]> {
    return (await this.redis.lrange(this.key('faults', mac), 0, -1)).map((o) => JSON.parse(o));
  }

  async events(): Promise<WorkpointEvent[]> {
    return (await this.redis.lrange(`${this.shards.prefix}wp:events`, 0, -1))
      .map((o) => JSON.parse(o))
      .reverse();
  }
}
