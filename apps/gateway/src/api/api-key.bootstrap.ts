import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Core } from '@dm-bridge/core';
import { GATEWAY_CONFIG, GatewayConfig, runsApi } from '../config/gateway.config';
import { CORE } from '../orchestration/orchestration.tokens';
import { API_CONFIG, ApiConfig } from './api.config';

/**
 * First start: an operator-supplied admin key is registered (by hash); with none and no key in
 * Redis, an admin key is generated and printed once — the only secret the gateway ever prints.
 */
@Injectable()
export class ApiKeyBootstrap implements OnApplicationBootstrap {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(GATEWAY_CONFIG) private readonly gateway: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!runsApi(this.gateway)) return;
    if (this.config.adminKey) {
      await this.core.apiKeys.ensure(this.config.adminKey, 'configured-admin', 'admin');
      return;
    }
    const key = await this.core.apiKeys.bootstrapAdminKey();
    if (key) {
      process.stdout.write(
        `\ndm-bridge: no API key was configured, so an admin key was created. It is shown only now; store it:\n\n  ${key}\n\n`,
      );
    }
  }
}
