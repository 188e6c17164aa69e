import { Core } from '@dm-bridge/core';

/**
 * Fans a campaign out batch by batch. The campaign's stored cursor is the checkpoint: a worker
 * killed mid-way leaves the BullMQ job stalled, another worker resumes from the cursor, and
 * per-device idempotency keys make a repeated batch create nothing twice.
 */
export class FanOutProcessor {
  constructor(
    private readonly core: Core,
    private readonly batch: number,
  ) {}

  async process(campaignId: string, shouldStop: () => boolean): Promise<string> {
    while (!shouldStop()) {
      const step = await this.core.campaigns.fanOutBatch(campaignId, this.batch);
      if (step !== 'more') return step;
    }
    return 'interrupted';
  }
}
