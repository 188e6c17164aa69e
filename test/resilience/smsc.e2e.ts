import { resilienceTests } from './expect-case';

/** SMSC faults under OMA CP and OMA DM campaigns. */
describe('resilience: SMSC faults', () => {
  resilienceTests(['smsc-killed-full-window', 'smsc-throttle-episode', 'smsc-bind-refused']);
});
