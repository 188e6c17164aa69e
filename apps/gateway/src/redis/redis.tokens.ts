export const REDIS = Symbol('REDIS');
export const REDIS_PREFIX = Symbol('REDIS_PREFIX');
/** BullMQ connection options (a plain options object: BullMQ opens its own connections). */
export const BULLMQ_CONNECTION = Symbol('BULLMQ_CONNECTION');
/** BullMQ key prefix, derived from REDIS_PREFIX so tests stay isolated. */
export const BULLMQ_PREFIX = Symbol('BULLMQ_PREFIX');
export const RESOLVED_REDIS = Symbol('RESOLVED_REDIS');
