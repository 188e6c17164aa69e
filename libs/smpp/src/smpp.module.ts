import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { SmppTransport, SmppTransportOptions } from './smpp-transport';

export const SMPP_TRANSPORT = Symbol('SMPP_TRANSPORT');

@Injectable()
class SmppTransportLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SMPP_TRANSPORT) private readonly transport: SmppTransport) {}

  async onApplicationShutdown(): Promise<void> {
    // Graceful: stop consuming, let windows drain, unbind, release leases.
    await this.transport.stop();
  }
}

export interface SmppModuleAsyncOptions {
  imports?: any[];
  inject?: any[];
  useFactory: (...args: any[]) => SmppTransportOptions | Promise<SmppTransportOptions>;
}

/** Nest module: provides the SmppTransport (binds, leases, correlation) under SMPP_TRANSPORT. */
@Module({})
export class SmppModule {
  static forRootAsync(options: SmppModuleAsyncOptions): DynamicModule {
    return {
      module: SmppModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: SMPP_TRANSPORT,
          inject: options.inject ?? [],
          useFactory: async (...args: any[]) =>
            new SmppTransport(await options.useFactory(...args)),
        },
        SmppTransportLifecycle,
      ],
      exports: [SMPP_TRANSPORT],
    };
  }
}
