import {
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ProcessLiveness, redisMasters } from '@dm-bridge/core';
import type { Redis } from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Preflight, PREFLIGHT } from '../config/preflight';
import { REDIS, REDIS_PREFIX } from '../redis/redis.module';
import { provideCore } from './core.provider';
import { DriverRegistrar } from './drivers/driver.registrar';
import { EventBus } from './event-bus';
import { MetricsRegistry } from './metrics.registry';
import {
  loadOrchestrationConfig,
  ORCHESTRATION_CONFIG,
  OrchestrationConfig,
} from './orchestration.config';
import {
  CORE,
  DEVICE_LIFECYCLE,
  type DeviceLifecycleFactory,
  EVENT_BUS,
  PROCESS_LIVENESS,
} from './orchestration.tokens';
import { QueuesService } from './queues.service';
import { WorkersService } from './workers.service';
import { closeRedis } from '../redis/redis-clients';

/**
 * Core's own connection with auto-pipelining: concurrent requests (64 clients polling jobs, a
 * fan-out's scripts) leave in one socket write per tick instead of one each.
 */
const CORE_REDIS = Symbol('CORE_REDIS');

class MemoryPolicyCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CORE_REDIS) private readonly coreRedis: Redis,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    @Inject(PROCESS_LIVENESS) private readonly liveness: ProcessLiveness,
  ) {}

  /** Evicting keys would silently lose jobs: say so loudly (on every master of a cluster). */
  async onApplicationBootstrap(): Promise<void> {
    for (const server of redisMasters(this.redis)) {
      // a cluster's masters are named in the message; the one server needs no name
      const name = server === this.redis ? '' : `${server.options.host}:${server.options.port} `;
      try {
        const reply = (await server.config('GET', 'maxmemory-policy')) as string[];
        if (reply[1] && reply[1] !== 'noeviction') {
          new Logger('Redis').error(
            `Redis ${name}maxmemory-policy is '${reply[1]}': keys may be evicted and jobs lost. Set 'maxmemory-policy noeviction'.`,
          );
        }
      } catch {
        // CONFIG may be disabled on managed Redis; nothing to check then.
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    // sessions have drained by now: whatever lock this process still names is over
    await this.liveness.stop();
    await closeRedis(this.coreRedis);
  }
}

/**
 * Core services on the gateway's Redis (global: every feature module can inject CORE), the
 * BullMQ queues, and — in the worker role — their processors.
 */
@Global()
@Module({
  providers: [
    {
      provide: ORCHESTRATION_CONFIG,
      useFactory: (g: GatewayConfig) => loadOrchestrationConfig(g.varDir),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: CORE_REDIS,
      useFactory: (r: Redis) => r.duplicate({ enableAutoPipelining: true }),
      inject: [REDIS],
    },
    {
      provide: EVENT_BUS,
      useFactory: (r: Redis, p: string, m: MetricsRegistry) =>
        new EventBus(r, `${p}core:events`, m),
      inject: [CORE_REDIS, REDIS_PREFIX, MetricsRegistry],
    },
    {
      provide: PROCESS_LIVENESS,
      useFactory: async (r: Redis, p: string) => {
        const liveness = new ProcessLiveness(r, p);
        await liveness.start();
        return liveness;
      },
      inject: [CORE_REDIS, REDIS_PREFIX],
    },
    {
      provide: CORE,
      useFactory: (
        r: Redis,
        p: string,
        g: GatewayConfig,
        c: OrchestrationConfig,
        e: EventBus,
        pre: Preflight,
        liveness: ProcessLiveness,
        lifecycle?: DeviceLifecycleFactory,
      ) => provideCore(r, p, g.redisShards, c, e, pre, liveness, lifecycle),
      inject: [
        CORE_REDIS,
        REDIS_PREFIX,
        GATEWAY_CONFIG,
        ORCHESTRATION_CONFIG,
        EVENT_BUS,
        PREFLIGHT,
        PROCESS_LIVENESS,
        { token: DEVICE_LIFECYCLE, optional: true },
      ],
    },
    MetricsRegistry,
    QueuesService,
    WorkersService,
    MemoryPolicyCheck,
    DriverRegistrar,
  ],
  exports: [CORE, EVENT_BUS, ORCHESTRATION_CONFIG, MetricsRegistry, QueuesService, WorkersService],
})
export class OrchestrationModule {}
