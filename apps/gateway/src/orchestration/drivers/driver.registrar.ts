import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Core } from '@dm-bridge/core';
import { DmSessionStore } from '../../dm/dm-session.store';
import { SmsService } from '../../sms/sms.service';
import { ContactMeService } from '../../workpoint/contact-me.service';
import { OmaCpPushDriver } from './omacp-push.driver';
import { OmaDmNotificationDriver } from './omadm-notification.driver';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from '../orchestration.config';
import { CORE } from '../orchestration.tokens';
import { WorkpointWakeDriver } from './workpoint-wake.driver';

/** Registers the wake-up drivers of the protocol modules loaded in this gateway. */
@Injectable()
export class DriverRegistrar implements OnApplicationBootstrap {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
    private readonly modules: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    const contactMe = this.optional(ContactMeService);
    if (contactMe && !this.core.drivers.get('workpoint')) {
      this.core.drivers.register(new WorkpointWakeDriver(contactMe));
    }
    const sms = this.optional(SmsService);
    const dmStore = this.optional(DmSessionStore);
    if (sms && !this.core.drivers.get('omacp')) {
      this.core.drivers.register(new OmaCpPushDriver(this.core, sms, this.config.wakeSmsBurstS));
    }
    if (sms && dmStore && !this.core.drivers.get('omadm')) {
      this.core.drivers.register(
        new OmaDmNotificationDriver(this.core, dmStore, sms, {
          smsBurstS: this.config.wakeSmsBurstS,
          nonceResyncAfter: this.config.dmNonceResyncAfter,
          nonceResyncForms: this.config.dmNonceResyncForms,
        }),
      );
    }
  }

  private optional<T>(token: new (...args: any[]) => T): T | undefined {
    try {
      return this.modules.get(token, { strict: false });
    } catch {
      new Logger('Drivers').debug(
        `${token.name} is not loaded: its protocol is not woken by this gateway`,
      );
      return undefined;
    }
  }
}
