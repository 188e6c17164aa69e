import { Protocol } from '../devices/device.model';
import { ProtocolPath } from '../catalog/parameter.model';

export const JOB_STATES = [
  'queued',
  'waking',
  'awaiting-contact',
  'in-session',
  'succeeded',
  'partial',
  'failed',
  'expired',
  'cancelled',
  'unconfirmed',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export { TERMINAL_STATES, isTerminal } from './job-state-machine';

export const OPERATION_KINDS = [
  'set',
  'get',
  'add',
  'delete',
  'exec',
  'reboot',
  'factoryReset',
  'fileDeploy',
  'softwareDeploy',
  'bootstrap',
  'secureBootstrap',
  'raw',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** What a client asks for: a protocol-neutral operation on a catalog name or a raw path. */
export interface OperationInput {
  op: OperationKind;
  path?: string;
  value?: unknown;
  /** Operation-specific arguments (file URL, software version, raw protocol body…). */
  args?: Record<string, unknown>;
}

/** An operation bound to the device's protocol; secret values are sealed. */
export interface JobOperation {
  op: OperationKind;
  path?: string;
  target?: ProtocolPath;
  value?: string;
  args?: Record<string, unknown>;
}

export type OperationStatus = 'ok' | 'failed' | 'skipped';

export interface OperationResult {
  status: OperationStatus;
  value?: string;
  /** The protocol's own status (DM status code, Workpoint item status, SMPP/receipt state). */
  code?: string | number;
  message?: string;
}

export interface JobAttempt {
  n: number;
  at: number;
  kind: string;
  outcome: string;
  detail?: string;
}

export interface JobFault {
  at: number;
  code: string;
  message: string;
}

export interface Job {
  id: string;
  deviceId: string;
  protocol: Protocol;
  state: JobState;
  operations: JobOperation[];
  results: OperationResult[];
  attempts: JobAttempt[];
  faults: JobFault[];
  createdAt: number;
  updatedAt: number;
  /** Wake-ups are retried until then; afterwards the job expires. */
  deadline: number;
  /**
   * The job's one scheduled next step (wake-up, re-check or expiry) while it is not terminal:
   * when it is due and its token (a step queued under another token is stale and does nothing).
   */
  nextStep?: { at: number; token: string };
  campaignId?: string;
  idempotencyKey?: string;
}
