import { Device, ProtocolDriver, WakeOutcome } from '@dm-bridge/core';

/** What the Workpoint side offers for waking a phone (its ContactMeService). */
export interface ContactMeRequester {
  request(mac: string): Promise<void>;
}

/**
 * Wakes a Workpoint phone with a contact-me request. The Workpoint side owns the contact gap,
 * rate limit and retries; repeated requests while one is queued collapse there.
 */
export class WorkpointWakeDriver implements ProtocolDriver {
  readonly protocol = 'workpoint' as const;

  constructor(private readonly contactMe: ContactMeRequester) {}

  async wake(device: Device): Promise<WakeOutcome> {
    if (!device.addressing.mac)
      return {
        kind: 'failed',
        code: 'no-mac',
        detail: 'a Workpoint phone needs addressing.mac to be woken',
      };
    await this.contactMe.request(device.addressing.mac);
    return { kind: 'sent', detail: 'contact-me queued' };
  }
}
