import { backoffMs, type PushSubmitResult, type SmppTransport } from '@dm-bridge/smpp';
import { DelayedError, type Job } from 'bullmq';
import { fromJobPush, SmsJobData } from './sms-queue';

export interface SmsProcessorOptions {
  /** First delay before a job with unsent pushes runs again (doubles, with jitter). */
  rerunInitialMs: number;
  rerunMaxMs: number;
}

/**
 * Processes one job of a bind's queue in the bind's owner: submits the pushes and records the
 * acknowledgements. A push that could not be sent for a transient reason (connection lost, bind
 * closing or changing owner, Redis error) is not a failure: the job goes back to the delayed set
 * with back-off and jitter *without using a BullMQ attempt*, and the rerun sends only what is
 * still missing. Only permanent causes and a passed deadline end a push (PushSubmitter does that).
 */
export function createSmsProcessor(
  transport: SmppTransport,
  bindId: string,
  options: SmsProcessorOptions,
) {
  return async (job: Job<SmsJobData>, token?: string): Promise<{ results: PushSubmitResult[] }> => {
    let why: string;
    try {
      const bind = transport.owned(bindId);
      if (!bind) {
        why = `bind ${bindId} is not owned by this process any more`;
      } else {
        const results = await transport.submitPushes(bind, job.data.pushes.map(fromJobPush));
        const retry = results.filter((r) => r.state === 'retry');
        if (!retry.length) return { results };
        why = `${retry.length} push(es) not sent yet: ${retry[0].error ?? ''}`;
      }
    } catch (e) {
      why = (e as Error).message;
    }
    const reruns = job.data.reruns ?? 0;
    const delay = backoffMs(reruns, options.rerunInitialMs, options.rerunMaxMs);
    // If Redis is away these throw: BullMQ then counts an attempt or the job stalls and is run
    // again; either way the 'failed' handler re-queues what is unsent before its deadline.
    await job.updateData({ ...job.data, reruns: reruns + 1 });
    await job.moveToDelayed(Date.now() + delay, token);
    throw new DelayedError(`rerun in ${delay} ms: ${why}`);
  };
}
