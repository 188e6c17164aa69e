import type { Redis } from 'ioredis';
import { ApiKeyService } from './auth/api-key.service';
import { CampaignService } from './campaigns/campaign.service';
import { CatalogStore } from './catalog/catalog.store';
import { DeviceService, DeviceServiceOptions } from './devices/device.service';
import { RedisDeviceRepository } from './devices/redis-device.repository';
import { DriverRegistry } from './drivers/protocol-driver';
import { EventPublisher, NO_EVENTS } from './events/core-event';
import { WebhookStore } from './events/webhook.store';
import { JobService, JobServiceOptions } from './jobs/job.service';
import { RedisJobRepository } from './jobs/redis-job.repository';
import { SessionLock } from './jobs/session-lock';
import { SecretBox } from './secrets/secret-box';

export interface CoreOptions {
  redis: Redis;
  prefix: string;
  masterKey: Buffer;
  events?: EventPublisher;
  devices?: DeviceServiceOptions;
  jobs?: Partial<JobServiceOptions>;
  jobRetentionMs?: number;
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
}

export function createCore(o: CoreOptions): Core {
  const events = o.events ?? NO_EVENTS;
  const box = new SecretBox(o.masterKey);
  const catalog = new CatalogStore(o.redis, o.prefix);
  const devices = new DeviceService(
    new RedisDeviceRepository(o.redis, o.prefix),
    box,
    catalog.current,
    o.devices,
  );
  const jobs = new JobService(
    new RedisJobRepository(o.redis, o.prefix, o.jobRetentionMs),
    devices,
    catalog.current,
    box,
    events,
    o.jobs,
  );
  const campaigns = new CampaignService(o.redis, o.prefix, devices, jobs, events);
  jobs.onCampaignJobFinished = (id) => campaigns.checkFinished(id);
  return {
    box,
    catalog,
    devices,
    jobs,
    campaigns,
    apiKeys: new ApiKeyService(o.redis, o.prefix),
    webhooks: new WebhookStore(o.redis, o.prefix, box),
    locks: new SessionLock(o.redis, o.prefix),
    drivers: new DriverRegistry(),
  };
}
