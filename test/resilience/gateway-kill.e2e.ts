import { resilienceTests } from './expect-case';

/** SIGKILL of an `all` gateway at a chosen job state, for OMA DM and for Workpoint. */
describe('resilience: gateway SIGKILL', () => {
  resilienceTests([
    'dm-sigkill-waking',
    'dm-sigkill-in-session',
    'dm-sigkill-awaiting-contact',
    'wp-sigkill-waking',
    'wp-sigkill-in-session',
    'wp-sigkill-awaiting-contact',
  ]);
});
