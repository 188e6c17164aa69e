import {
  canTransition,
  JOB_TRANSITIONS,
  outcomeOf,
  statesLeadingTo,
  transitionSources,
} from './job-state-machine';
import { JOB_STATES, TERMINAL_STATES } from './job.model';

describe('job state machine', () => {
  it('follows queued → waking → awaiting-contact → in-session → outcome', () => {
    expect(canTransition('queued', 'waking')).toBe(true);
    expect(canTransition('waking', 'awaiting-contact')).toBe(true);
    expect(canTransition('awaiting-contact', 'in-session')).toBe(true);
    for (const end of ['succeeded', 'partial', 'failed'] as const)
      expect(canTransition('in-session', end)).toBe(true);
  });

  it('has no way out of a final state', () => {
    for (const s of TERMINAL_STATES) expect(JOB_TRANSITIONS[s]).toEqual([]);
  });

  it('cannot cancel or expire a job in session (its commands are already on the wire)', () => {
    expect(canTransition('in-session', 'cancelled')).toBe(false);
    expect(canTransition('in-session', 'expired')).toBe(false);
    expect(statesLeadingTo('cancelled')).toEqual(['queued', 'waking', 'awaiting-contact']);
  });

  it('only lets CP outcomes skip the session', () => {
    expect(canTransition('awaiting-contact', 'unconfirmed')).toBe(true);
    expect(canTransition('in-session', 'unconfirmed')).toBe(false);
    expect(JOB_STATES).toContain('unconfirmed');
  });

  it('is the one source of transitions: a caller may narrow them, never widen them', () => {
    expect(transitionSources('waking')).toEqual(['queued', 'awaiting-contact']);
    expect(transitionSources('awaiting-contact', ['waking'])).toEqual(['waking']);
    expect(() => transitionSources('cancelled', ['in-session'])).toThrow(
      'no transition in-session → cancelled',
    );
    expect(() => transitionSources('waking', ['succeeded'])).toThrow();
  });

  it('lists terminal states once: those with no way out', () => {
    expect(TERMINAL_STATES).toEqual([
      'succeeded',
      'partial',
      'failed',
      'expired',
      'cancelled',
      'unconfirmed',
    ]);
  });

  it('derives the outcome from per-operation results', () => {
    expect(outcomeOf([{ status: 'ok' }, { status: 'ok' }])).toBe('succeeded');
    expect(outcomeOf([{ status: 'ok' }, { status: 'failed' }])).toBe('partial');
    expect(outcomeOf([{ status: 'failed' }, { status: 'skipped' }])).toBe('failed');
  });
});
