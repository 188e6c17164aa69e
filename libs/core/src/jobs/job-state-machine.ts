import type { JobState } from './job.model';

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

/** States with no way out; the one list of them (job.model re-exports it). */
export const TERMINAL_STATES: readonly JobState[] = (
  Object.keys(JOB_TRANSITIONS) as JobState[]
).filter((s) => JOB_TRANSITIONS[s].length === 0);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** States a job waits in for a wake-up or a contact (what cancel and expiry act on). */
export const WAITING_STATES: readonly JobState[] = ['queued', 'waking', 'awaiting-contact'];

/**
 * The states a transition to `to` may start from: those the state machine allows, narrowed to
 * `only` when the caller needs fewer (a wake-up's outcome applies only to a job still `waking`).
 * Asking for a transition the machine does not have is a programming error.
 */
export function transitionSources(to: JobState, only?: readonly JobState[]): JobState[] {
  const allowed = statesLeadingTo(to);
  if (!only) return allowed;
  const bad = only.filter((s) => !allowed.includes(s));
  if (bad.length) throw new Error(`job state machine has no transition ${bad.join('|')} → ${to}`);
  return [...only];
}

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
