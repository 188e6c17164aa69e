import type { PushSubmitResult, SmppTransport } from '@dm-bridge/smpp';
import type { Job } from 'bullmq';
import { fromJobPush, SmsJobData } from './sms-queue';

export class SmsRetryableError extends Error {
  override readonly name = 'SmsRetryableError';
}

/**
 * Processes one job of a bind's queue in the bind's owner: submits the pushes and records the
 * acknowledgements. If any push could not be sent for a transient reason (connection lost, bind
 * closing) the job throws, BullMQ runs it again, and the rerun sends only what is still missing.
 */
export function createSmsProcessor(transport: SmppTransport, bindId: string) {
  return async (job: Job<SmsJobData>): Promise<{ results: PushSubmitResult[] }> => {
    const bind = transport.owned(bindId);
    if (!bind) throw new SmsRetryableError(`bind ${bindId} is not owned by this process any more`);
    const results = await transport.submitPushes(bind, job.data.pushes.map(fromJobPush));
    const retry = results.filter((r) => r.state === 'retry');
    if (retry.length) {
      throw new SmsRetryableError(`${retry.length} push(es) not sent yet: ${retry[0].error ?? ''}`);
    }
    return { results };
  };
}
