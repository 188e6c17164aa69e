import type { Job } from './api';

export type JobState = NonNullable<Job['state']>;

/**
 * Every job state, in the order a job goes through them (final ones last). Typed by the API's
 * own enum: a state the API adds or renames fails the console's build.
 */
export const JOB_STATES = [
  'queued',
  'waking',
  'awaiting-contact',
  'in-session',
  'succeeded',
  'partial',
  'unconfirmed',
  'failed',
  'expired',
  'cancelled',
] as const satisfies readonly JobState[];

type Missing = Exclude<JobState, (typeof JOB_STATES)[number]>;
/** compile-time: JOB_STATES lists every state of the API's enum */
export const ALL_STATES_LISTED: [Missing] extends [never] ? true : Missing = true;
