import { JobState } from './job.model';

/**
 * Allowed transitions. `awaiting-contact → waking` is a retried wake-up; `in-session →
 * awaiting-contact` puts unfinished work back when a session ends early; CP jobs go from
 * `awaiting-contact` (waiting for delivery receipts) straight to their outcome.
 */
export const JOB_TRANSITIONS: Record<JobState, readonly JobState[]> = {
  queued: ['waking', 'in-session', 'cancelled', 'expired', 'failed'],
  waking: [
    'awaiting-contact',
    'in-session',
    'failed',
    'cancelled',
    'expired',
    'succeeded',
    'unconfirmed',
  ],
  'awaiting-contact': [
    'waking',
    'in-session',
    'cancelled',
    'expired',
    'succeeded',
    'failed',
    'unconfirmed',
  ],
  'in-session': ['succeeded', 'partial', 'failed', 'awaiting-contact'],
  succeeded: [],
  partial: [],
  failed: [],
  expired: [],
  cancelled: [],
  unconfirmed: [],
};

/** States from which `to` may be entered. */
export function statesLeadingTo(to: JobState): JobState[] {
  return (Object.keys(JOB_TRANSITIONS) as JobState[]).filter((from) =>
    JOB_TRANSITIONS[from].includes(to),
  );
}

export function canTransition(from: JobState, to: JobState): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** The outcome of a finished session from its per-operation results. */
export function outcomeOf(results: { status: string }[]): 'succeeded' | 'partial' | 'failed' {
  const ok = results.filter((r) => r.status === 'ok').length;
  if (ok === results.length) return 'succeeded';
  return ok === 0 ? 'failed' : 'partial';
}
