import { Protocol } from '../devices/device.model';
import { JobState, OperationInput } from '../jobs/job.model';

export const CAMPAIGN_STATES = ['running', 'paused', 'completed', 'cancelled', 'stopped'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** Which devices a campaign targets: explicit ids, or a query on tag/protocol/profile/model. */
export interface CampaignSelection {
  deviceIds?: string[];
  tag?: string;
  protocol?: Protocol;
  profile?: string;
  model?: string;
}

export interface CampaignInput {
  name?: string;
  selection: CampaignSelection;
  operations: OperationInput[];
  /** Wake-ups started per second across the campaign (SMSC rate, Workpoint contact gap). */
  ratePerSecond?: number;
  /** Stop when failed/finished passes `ratio` after at least `minSample` finished jobs. */
  failureThreshold?: { ratio: number; minSample?: number };
  deadlineSeconds?: number;
}

export interface CampaignProgress {
  /** Jobs created so far / devices skipped because an operation does not fit their protocol. */
  jobs: number;
  skipped: number;
  done: number;
  fanOutComplete: boolean;
  byState: Partial<Record<JobState, number>>;
  /**
   * The campaign's jobs by protocol: how many were created, how many finished, and how many are
   * in each state now (live states included). Jobs created before these counters existed are
   * not in them.
   */
  byProtocol: Partial<Record<Protocol, ProtocolProgress>>;
}

export interface ProtocolProgress {
  jobs: number;
  done: number;
  byState: Partial<Record<JobState, number>>;
}

export interface Campaign {
  id: string;
  name?: string;
  state: CampaignState;
  selection: CampaignSelection;
  operations: OperationInput[];
  ratePerSecond: number;
  failureThreshold: { ratio: number; minSample: number };
  deadlineSeconds: number;
  createdAt: number;
  updatedAt: number;
  stopReason?: string;
  progress: CampaignProgress;
}
