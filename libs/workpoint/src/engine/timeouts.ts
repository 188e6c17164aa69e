import { JobOutcome, PhoneState, WorkpointEvent } from './engine-types';

/**
 * Fails deferred jobs (restart, software/file deployment, secure bootstrap) whose confirming
 * contact did not arrive within `timeoutMs`. Returns the new state and job-finished events.
 */
export function expireDeferredJobs(
  state: PhoneState,
  now: number,
  timeoutMs: number,
): { state: PhoneState; events: WorkpointEvent[] } {
  const events: WorkpointEvent[] = [];
  const keep = state.deferred.filter((d) => {
    if (now - d.since < timeoutMs) return true;
    const outcome: JobOutcome = {
      jobId: d.jobId,
      status: 'failed',
      results: [
        ...d.results,
        {
          kind: d.kind,
          status: 'failed',
          items: [],
          error: `no confirming contact from the phone within ${Math.round(timeoutMs / 1000)} s`,
        },
      ],
    };
    events.push({ type: 'job-finished', mac: state.mac, outcome });
    return false;
  });
  if (events.length === 0) return { state, events };
  const next: PhoneState = { ...state, deferred: keep };
  if (
    state.secureMode?.state === 'bootstrapping' &&
    !keep.some((d) => d.kind === 'secure-bootstrap')
  )
    next.secureMode = undefined;
  return { state: next, events };
}

/** True when a CleanUp with send-solicited went out and the phone has not come back in time. */
export function solicitedReturnOverdue(state: PhoneState, now: number, timeoutMs: number): boolean {
  return state.sendSolicitedAt !== undefined && now - state.sendSolicitedAt >= timeoutMs;
}
