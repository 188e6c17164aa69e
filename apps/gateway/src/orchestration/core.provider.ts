import { Logger } from '@nestjs/common';
import {
  Core,
  createCore,
  loadOrCreateMasterKey,
  ProcessLiveness,
  verifyShardCount,
} from '@dm-bridge/core';
import type { Redis } from 'ioredis';
import type { Preflight } from '../config/preflight';
import { EventBus } from './event-bus';
import { OrchestrationConfig } from './orchestration.config';
import type { DeviceLifecycleFactory } from './orchestration.tokens';

/** Builds core on the gateway's Redis, with the master key loaded (or generated) first. */
export async function provideCore(
  redis: Redis,
  prefix: string,
  shards: number,
  config: OrchestrationConfig,
  events: EventBus,
  /** what start-up read: CATALOG_DIR's files, the SMSC bind names */
  preflight: Preflight,
  /** this process's heartbeat, named by the session locks it takes */
  liveness: ProcessLiveness,
  /** the protocol sides' listener of device writes (the DM account sync) */
  deviceLifecycle?: DeviceLifecycleFactory,
): Promise<Core> {
  const catalogDir = preflight.catalog;
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
    devices: {
      defaultCountryCode: config.defaultCountryCode,
      // the live list (kept current by SmscBindRegistry); no binds at all: any name is accepted
      knownBinds: () => (preflight.smsBinds.length ? preflight.smsBinds : undefined),
    },
    deviceLifecycle,
    liveness,
    jobs: { defaultDeadlineSeconds: config.jobDefaultDeadlineSeconds },
    jobRetentionMs: config.jobRetentionMs,
  });
  await core.catalog.reload();
  // devices stored before the last-contact index existed are indexed once (a no-op afterwards)
  const indexed = await core.devices.ensureIndexes();
  if (indexed) logger.log(`last-contact index: ${indexed} device(s) indexed`);
  if (catalogDir) {
    // files win over API writes of the same name, at every start
    const saved = await core.catalog.saveCatalog(catalogDir.catalog);
    logger.log(
      `catalog: ${saved.parameters} parameter(s) and ${saved.profiles} profile(s) from ${catalogDir.files.length} file(s) in ${config.catalogDir}`,
    );
  }
  events.attach(core);
  return core;
}
