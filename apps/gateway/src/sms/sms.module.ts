import { Global, Logger, Module } from '@nestjs/common';
import { SmppModule } from '@dm-bridge/smpp';
import { REDIS, REDIS_PREFIX } from '../redis/redis.module';
import { loadSmsConfig, SMS_CONFIG, SmsConfig } from './sms.config';
import { SmsService } from './sms.service';
import { SmscBindRegistry } from './smsc-bind.registry';

const smsConfigProvider = { provide: SMS_CONFIG, useFactory: loadSmsConfig };

@Module({ providers: [smsConfigProvider], exports: [SMS_CONFIG] })
class SmsConfigModule {}

/** SMS transport: SMPP binds (leases, windows, rate limits), per-bind `sms-*` queues, receipts. */
@Global()
@Module({
  imports: [
    SmsConfigModule,
    SmppModule.forRootAsync({
      imports: [SmsConfigModule],
      inject: [REDIS, REDIS_PREFIX, SMS_CONFIG],
      useFactory: (redis, prefix: string, config: SmsConfig) => {
        const logger = new Logger('Smpp');
        return {
          redis,
          prefix,
          binds: config.binds,
          leaseTtlMs: config.leaseTtlMs,
          log: (level: 'info' | 'warn', msg: string) =>
            level === 'warn' ? logger.warn(msg) : logger.log(msg),
        };
      },
    }),
  ],
  providers: [SmscBindRegistry, SmsService],
  exports: [SmsService, SmscBindRegistry],
})
export class SmsModule {}
