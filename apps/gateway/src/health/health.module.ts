import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthListener } from './health-listener';
import { ReadinessRegistry } from './readiness.registry';

@Global()
@Module({
  controllers: [HealthController],
  providers: [ReadinessRegistry, HealthListener],
  exports: [ReadinessRegistry, HealthListener],
})
export class HealthModule {}
