import { CASES, runCase } from './cases';

/**
 * One jest test per case: every job terminal within the run (none without a next step), none
 * failed for a transient cause, every succeeded
 * job applied on its device, and no duplicate application unless the case cuts sessions.
 */
export function resilienceTests(names: string[]): void {
  for (const name of names) {
    const c = CASES.find((x) => x.name === name);
    if (!c) throw new Error(`no resilience case ${name}`);
    it(`${name}: ${c.injects}`, async () => {
      const v = await runCase(c);
      process.stdout.write(`${JSON.stringify({ resilience: v })}\n`);
      expect({
        stuck: v.stuck,
        unfinished: v.unfinished,
        transientFailures: v.transientFailures,
        missingApplications: v.missingApplications,
        duplicateApplications: c.atLeastOnce ? 'counted' : v.duplicateApplications,
        samples: v.unfinished || v.transientFailures || v.missingApplications ? v.samples : [],
        broken: v.broken,
      }).toEqual({
        stuck: 0,
        unfinished: 0,
        transientFailures: 0,
        missingApplications: 0,
        duplicateApplications: c.atLeastOnce ? 'counted' : 0,
        samples: [],
        broken: [],
      });
    }, 240_000);
  }
}
