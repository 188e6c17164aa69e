import type { Redis } from 'ioredis';
import { ApiKeyService } from './auth/api-key.service';
import { CampaignService } from './campaigns/campaign.service';
import { CatalogStore } from './catalog/catalog.store';
import { DeviceService, DeviceServiceOptions } from './devices/device.service';
import { DeviceLifecycleListener } from './devices/device-lifecycle';
import { RedisDeviceRepository } from './devices/redis-device.repository';
import { DriverRegistry } from './drivers/protocol-driver';
import { EventPublisher, NO_EVENTS } from './events/core-event';
import { WebhookStore } from './events/webhook.store';
import { JobService, JobServiceOptions } from './jobs/job.service';
import { RedisJobRepository } from './jobs/redis-job.repository';
import { SessionLock } from './jobs/session-lock';
import type { ProcessLiveness } from './jobs/process-liveness';
import { SecretBox } from './secrets/secret-box';
import { CoreKeys } from './util/redis-keys';
import { RedisShards } from './util/redis-shards';

export interface CoreOptions {
  redis: Redis;
  prefix: string;
  /**
   * How many shards device-scoped data is spread over (see RedisShards): 1 keeps everything in
   * one slot; on a Redis Cluster more shards spread devices over the masters. Fixed for the life
   * of the data: `verifyShardCount` refuses to run on data written with another count.
   */
  shards?: number;
  masterKey: Buffer;
  events?: EventPublisher;
  devices?: DeviceServiceOptions;
  /**
   * Builds the listener told of every device create/update/delete (see DeviceLifecycleListener),
   * given core's secret box (to open credentials) and shards (to keep its keys beside the device's).
   */
  deviceLifecycle?: (wiring: { box: SecretBox; shards: RedisShards }) => DeviceLifecycleListener;
  jobs?: Partial<JobServiceOptions>;
  jobRetentionMs?: number;
  /** this process's heartbeat, named by the session locks it takes (see ProcessLiveness) */
  liveness?: ProcessLiveness;
}

/** Everything core offers, wired on one Redis connection (the gateway and tests both use this). */
export interface Core {
  box: SecretBox;
  catalog: CatalogStore;
  devices: DeviceService;
  jobs: JobService;
  campaigns: CampaignService;
  apiKeys: ApiKeyService;
  webhooks: WebhookStore;
  locks: SessionLock;
  drivers: DriverRegistry;
  shards: RedisShards;
}

export function createCore(o: CoreOptions): Core {
  const events = o.events ?? NO_EVENTS;
  const shards = new RedisShards(o.prefix, o.shards ?? 1);
  const box = new SecretBox(o.masterKey);
  const catalog = new CatalogStore(o.redis, o.prefix);
  const devices = new DeviceService(
    new RedisDeviceRepository(o.redis, shards),
    box,
    catalog.current,
    o.devices,
    o.deviceLifecycle?.({ box, shards }),
  );
  const jobs = new JobService(
    new RedisJobRepository(o.redis, shards, o.jobRetentionMs),
    devices,
    catalog.current,
    box,
    events,
    o.jobs,
  );
  const campaigns = new CampaignService(o.redis, o.prefix, devices, jobs, events);
  jobs.onCampaignJobFinished = (id) => campaigns.checkFinished(id);
  jobs.onCampaignJobMoved = (id) => campaigns.noteProgress(id);
  return {
    box,
    catalog,
    devices,
    jobs,
    campaigns,
    apiKeys: new ApiKeyService(o.redis, o.prefix),
    webhooks: new WebhookStore(o.redis, o.prefix, box),
    locks: new SessionLock(o.redis, shards, o.liveness),
    drivers: new DriverRegistry(),
    shards,
  };
}

/**
 * Records the shard count on first use and refuses another one later: with a different count the
 * same device would be looked for in another shard and its data would seem lost.
 */
export async function verifyShardCount(redis: Redis, prefix: string, count: number): Promise<void> {
  const key = new CoreKeys(prefix).shardCount();
  if (!(await redis.exists(key))) {
    // Data from before the count was recorded is one shard's: its indexes sit under the prefix.
    const legacy = new RedisShards(prefix, 1).all()[0];
    const found = await redis.exists(legacy.allDevices(), legacy.allJobs());
    await redis.set(key, found ? '1' : String(count), 'NX');
  }
  const stored = Number(await redis.get(key));
  if (stored !== count)
    throw new Error(
      `the data under Redis prefix '${prefix}' was written with ${stored} shard(s), not ${count}; set REDIS_SHARDS=${stored} (changing it needs a migration)`,
    );
}
