import { DynamicModule, Global, Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { OrchestrationModule } from './orchestration/orchestration.module';
import { GATEWAY_CONFIG, GatewayConfig } from './config/gateway.config';
import { Preflight, PREFLIGHT } from './config/preflight';
import { DeviceHttpModule } from './device-http/device-http.module';
import { DmAccountsModule, DmModule } from './dm/dm.module';
import { HealthModule } from './health/health.module';
import { ResolvedRedis } from './redis/embedded-redis';
import { RedisModule } from './redis/redis.module';
import { SmsModule } from './sms/sms.module';
import { WorkpointModule } from './workpoint/workpoint.module';

/**
 * Feature modules (one per protocol side, the API and the orchestration). Each reads its own
 * settings through config/env.ts and registers its routes, queues and readiness checks.
 */
const FEATURE_MODULES: any[] = [
  OrchestrationModule,
  ApiModule,
  SmsModule,
  DmAccountsModule,
  DmModule,
  WorkpointModule,
];

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: GatewayConfig, preflight: Preflight): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: PREFLIGHT, useValue: preflight },
      ],
      exports: [GATEWAY_CONFIG, PREFLIGHT],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, preflight: Preflight, redis: ResolvedRedis): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, preflight),
        RedisModule.forRoot(redis),
        HealthModule,
        DeviceHttpModule,
        ...FEATURE_MODULES,
      ],
    };
  }
}
