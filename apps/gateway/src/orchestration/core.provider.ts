import { Logger } from '@nestjs/common';
import { Core, createCore, loadOrCreateMasterKey, verifyShardCount } from '@dm-bridge/core';
import type { Redis } from 'ioredis';
import { EventBus } from './event-bus';
import { OrchestrationConfig } from './orchestration.config';

/** Builds core on the gateway's Redis, with the master key loaded (or generated) first. */
export async function provideCore(
  redis: Redis,
  prefix: string,
  shards: number,
  config: OrchestrationConfig,
  events: EventBus,
): Promise<Core> {
  await verifyShardCount(redis, prefix, shards);
  const logger = new Logger('Core');
  const masterKey = loadOrCreateMasterKey({
    value: config.masterKey,
    file: config.masterKeyFile,
    warn: (m) => logger.warn(m),
  });
  const core = createCore({
    redis,
    prefix,
    shards,
    masterKey,
    events,
    devices: { defaultCountryCode: config.defaultCountryCode },
    jobs: { defaultDeadlineSeconds: config.jobDefaultDeadlineSeconds },
    jobRetentionMs: config.jobRetentionMs,
  });
  await core.catalog.reload();
  events.attach(core);
  return core;
}
