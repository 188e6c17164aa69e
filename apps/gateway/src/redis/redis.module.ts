import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { ResolvedRedis } from './embedded-redis';
import {
  BULLMQ_CONNECTION,
  BULLMQ_PREFIX,
  REDIS,
  REDIS_PREFIX,
  RESOLVED_REDIS,
} from './redis.tokens';

export { BULLMQ_CONNECTION, BULLMQ_PREFIX, REDIS, REDIS_PREFIX } from './redis.tokens';

export function bullConnectionFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RESOLVED_REDIS) private readonly resolved: ResolvedRedis,
  ) {}

  async onApplicationShutdown() {
    await this.redis.quit().catch(() => this.redis.disconnect());
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
          useFactory: () => new Redis(resolved.url, { maxRetriesPerRequest: 3 }),
        },
        {
          provide: REDIS_PREFIX,
          useFactory: (c: GatewayConfig) => c.redisPrefix,
          inject: [GATEWAY_CONFIG],
        },
        { provide: BULLMQ_CONNECTION, useValue: bullConnectionFromUrl(resolved.url) },
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
