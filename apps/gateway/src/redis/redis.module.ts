import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ResolvedRedis } from './embedded-redis';
import {
  closeRedis,
  createBullConnection,
  createRedisClient,
  isCluster,
  RedisClient,
} from './redis-clients';
import {
  BULLMQ_CONNECTION,
  BULLMQ_PREFIX,
  REDIS,
  REDIS_PREFIX,
  RESOLVED_REDIS,
} from './redis.tokens';

export { BULLMQ_CONNECTION, BULLMQ_PREFIX, REDIS, REDIS_PREFIX } from './redis.tokens';
export { bullConnectionFromUrl } from './redis-clients';

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(RESOLVED_REDIS) private readonly resolved: ResolvedRedis,
    @Inject(BULLMQ_CONNECTION) private readonly bull: unknown,
  ) {}

  async onApplicationShutdown() {
    await closeRedis(this.redis);
    if (isCluster(this.bull)) await closeRedis(this.bull);
    await this.resolved.release();
  }
}

@Global()
@Module({})
export class RedisModule {
  static forRoot(resolved: ResolvedRedis) {
    return {
      module: RedisModule,
      providers: [
        { provide: RESOLVED_REDIS, useValue: resolved },
        {
          provide: REDIS,
          useFactory: () => createRedisClient(resolved),
        },
        {
          provide: REDIS_PREFIX,
          useFactory: (c: GatewayConfig) => c.redisPrefix,
          inject: [GATEWAY_CONFIG],
        },
        { provide: BULLMQ_CONNECTION, useFactory: () => createBullConnection(resolved) },
        {
          provide: BULLMQ_PREFIX,
          useFactory: (c: GatewayConfig) => `${c.redisPrefix}bull`,
          inject: [GATEWAY_CONFIG],
        },
        RedisLifecycle,
      ],
      exports: [REDIS, REDIS_PREFIX, BULLMQ_CONNECTION, BULLMQ_PREFIX],
    };
  }
}
