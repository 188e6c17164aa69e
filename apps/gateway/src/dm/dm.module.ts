import {
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig, runsWorker } from '../config/gateway.config';
import { DeviceHttpServer } from '../device-http/device-http.server';
import { REDIS } from '../redis/redis.module';
import { DM_CONFIG, DmConfig, loadDmConfig } from './dm.config';
import { DmAccountBackfill, DmHttpEndpoint } from './dm-http.endpoint';
import { DM_OPERATION_SOURCE, DmOperationSource } from './dm-operation-source';
import { DmSessionStore } from './dm-session.store';
import { RedisDmOperationSource } from './redis-dm-operation-source';
import { openCredentials, type Core } from '@dm-bridge/core';
import { accountSealer, DmAccountSync, dmAccountOf } from './dm-account-sync';
import {
  CORE,
  DEVICE_LIFECYCLE,
  DeviceLifecycleFactory,
} from '../orchestration/orchestration.tokens';
import {
  ORCHESTRATION_CONFIG,
  type OrchestrationConfig,
} from '../orchestration/orchestration.config';
import { CoreDmOperationSource } from '../orchestration/sources/core-dm-operation-source';
import { closeRedis } from '../redis/redis-clients';
import { MetricsRegistry } from '../orchestration/metrics.registry';

/**
 * The DM hot path's own connection with auto-pipelining: the reads and compare-and-set writes of
 * many concurrent sessions leave in one socket write per tick instead of one each.
 */
const DM_REDIS = Symbol('DM_REDIS');

class DmRedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DM_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}

/** Runs the idle-session sweep on a timer (every worker process; the close itself is atomic). */
class DmSessionSweeper implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly logger = new Logger('OmaDm');

  constructor(
    @Inject(DmHttpEndpoint) private readonly endpoint: DmHttpEndpoint,
    @Inject(DM_CONFIG) private readonly config: DmConfig,
    @Inject(GATEWAY_CONFIG) private readonly gateway: GatewayConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.sweepIntervalMs || !runsWorker(this.gateway)) return;
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const closed = await this.endpoint.sweepIdleSessions();
      if (closed) this.logger.log({ msg: 'idle DM sessions closed', closed });
    } catch (err) {
      this.logger.warn({ msg: 'DM session sweep failed', error: (err as Error).message });
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Registers the OMA DM endpoint (POST DM_PATH, default /dm) on the device listener. */
class DmRouteRegistrar implements OnModuleInit {
  constructor(
    @Inject(DeviceHttpServer) private readonly http: DeviceHttpServer,
    @Inject(DmHttpEndpoint) private readonly endpoint: DmHttpEndpoint,
    @Inject(DM_CONFIG) private readonly config: DmConfig,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {}

  onModuleInit(): void {
    this.endpoint.onSessionEnded = (reason) =>
      this.metrics.inc('dmb_dm_sessions_total', { outcome: reason });
    this.http.register({
      method: 'POST',
      path: this.config.path,
      maxBody: this.config.maxMsgSize,
      handler: (req, res, body) => this.endpoint.handle(req, res, body),
    });
  }
}

/** A handset registered before accounts followed records gets its account at its first session. */
function accountBackfill(core: Core, store: DmSessionStore): DmAccountBackfill {
  return async (devId) => {
    const device = await core.devices.findByAddress('omadm', 'devId', devId);
    const account = device && dmAccountOf(device, openCredentials(core.box, device));
    return !!account && store.writeAccount(account, { replace: false, rev: device.updatedAt });
  };
}

/**
 * The DM account follows the device record: core is built with this listener (constructor
 * injection through CORE's factory), which writes `dm:acct:<DevId>` on the main connection.
 * Global, and free of CORE itself, so the orchestration module can hand it to core.
 */
@Global()
@Module({
  providers: [
    {
      provide: DEVICE_LIFECYCLE,
      useFactory:
        (redis: Redis): DeviceLifecycleFactory =>
        ({ box, shards }) =>
          new DmAccountSync(new DmSessionStore(redis, shards, accountSealer(box)), (d) =>
            openCredentials(box, d),
          ),
      inject: [REDIS],
    },
  ],
  exports: [DEVICE_LIFECYCLE],
})
export class DmAccountsModule {}

@Module({
  providers: [
    { provide: DM_CONFIG, useFactory: loadDmConfig },
    {
      provide: DM_REDIS,
      useFactory: (redis: Redis) => redis.duplicate({ enableAutoPipelining: true }),
      inject: [REDIS],
    },
    DmRedisLifecycle,
    {
      provide: DmSessionStore,
      // a device's session keys live in its shard, beside core's keys of that device
      useFactory: (redis: Redis, core: Core) =>
        new DmSessionStore(redis, core.shards, accountSealer(core.box)),
      inject: [DM_REDIS, CORE],
    },
    {
      provide: DM_OPERATION_SOURCE,
      useFactory: (config: DmConfig, core: Core, redis: Redis, orch: OrchestrationConfig) =>
        config.operationSource === 'core'
          ? new CoreDmOperationSource(core, orch.sessionLockTtlMs)
          : new RedisDmOperationSource(redis, core.shards, 1000, orch.sessionLockTtlMs),
      inject: [DM_CONFIG, CORE, REDIS, ORCHESTRATION_CONFIG],
    },
    {
      provide: DmHttpEndpoint,
      useFactory: (
        config: DmConfig,
        store: DmSessionStore,
        source: DmOperationSource,
        http: DeviceHttpServer,
        core: Core,
      ) => {
        const logger = new Logger('OmaDm');
        const endpoint = new DmHttpEndpoint(
          config,
          store,
          source,
          () => http.publicBaseUrl(),
          { warn: (m) => logger.warn(m) },
          config.operationSource === 'core' ? accountBackfill(core, store) : undefined,
        );
        endpoint.onSessionState = (deviceId, open) => http.activity.session(`dm:${deviceId}`, open);
        return endpoint;
      },
      inject: [DM_CONFIG, DmSessionStore, DM_OPERATION_SOURCE, DeviceHttpServer, CORE],
    },
    DmRouteRegistrar,
    DmSessionSweeper,
  ],
  exports: [DmSessionStore, DM_OPERATION_SOURCE, DmHttpEndpoint, DM_CONFIG],
})
export class DmModule {}
