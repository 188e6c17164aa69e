/** The Core (libs/core services wired on the gateway's Redis); inject it in any feature module. */
export const CORE = Symbol('CORE');
export const EVENT_BUS = Symbol('EVENT_BUS');

export const QUEUE_NAMES = {
  wakeup: 'wakeup',
  fanout: 'campaign-fanout',
  webhook: 'webhook',
} as const;
