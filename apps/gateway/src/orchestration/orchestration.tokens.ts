import type { CoreOptions } from '@dm-bridge/core';

/** The Core (libs/core services wired on the gateway's Redis); inject it in any feature module. */
export const CORE = Symbol('CORE');
export const EVENT_BUS = Symbol('EVENT_BUS');
/** This process's heartbeat (core's ProcessLiveness): the session locks it takes name it. */
export const PROCESS_LIVENESS = Symbol('PROCESS_LIVENESS');

export const QUEUE_NAMES = {
  wakeup: 'wakeup',
  fanout: 'campaign-fanout',
  webhook: 'webhook',
} as const;

/**
 * Optional: builds core's device lifecycle listener (the DM module's account sync), handed to
 * core when it is created.
 */
export const DEVICE_LIFECYCLE = Symbol('DEVICE_LIFECYCLE');
export type DeviceLifecycleFactory = NonNullable<CoreOptions['deviceLifecycle']>;
