import { PermanentWakeError, type WakeOutcome } from '@dm-bridge/core';
import { UnknownBindError } from '../../sms/sms.service';

/** What the SMS side offers to pace wake-ups by a bind's rate (its SmsService). */
export interface SmsAdmission {
  /** `waitMs` 0 when a wake-up message may go now on the bind, else how long to wait first. */
  admitWake(
    bindId: string | undefined,
    burstSeconds: number,
  ): Promise<{ waitMs: number; bind?: string }>;
}

/**
 * Wake-ups by SMS go at the rate of their SMSC bind: one that the bind cannot take now (beyond
 * `burstSeconds` of its rate, or its queue already holds that much) is deferred, no attempt used,
 * and comes back after the wait the bind named, spread by jitter. Without this a campaign paced
 * faster than its bind piles messages into the SMS queue, and the re-wake timers of messages
 * still queued fire and queue duplicates.
 */
export async function deferForSmsRate(
  sms: Partial<SmsAdmission>,
  bindId: string | undefined,
  burstSeconds: number,
): Promise<WakeOutcome | null> {
  if (!sms.admitWake || burstSeconds <= 0) return null;
  const { waitMs, bind } = await sms.admitWake(bindId, burstSeconds);
  if (waitMs <= 0) return null;
  return {
    kind: 'deferred',
    retryAfterMs: Math.ceil(waitMs * (1 + Math.random() * 0.5)),
    detail: `SMSC bind ${bind ?? bindId} is at its rate; retry in ${Math.ceil(waitMs)} ms`,
  };
}

/**
 * Runs a wake-up's SMS steps on the device's bind. A bind the device names that does not exist
 * can never work: the job fails. No bind configured at all is transient (one may be added).
 */
export async function onSmsBind<T>(bind: string | undefined, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof UnknownBindError && bind !== undefined)
      throw new PermanentWakeError('unknown-bind', err.message);
    throw err;
  }
}
