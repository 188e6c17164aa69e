import { resilienceTests } from './expect-case';

/** Several gateway processes, graceful shutdown and long sessions. */
describe('resilience: processes and sessions', () => {
  resilienceTests([
    'sigkill-bind-owner',
    'two-gateways-one-killed',
    'sigterm-sessions-in-flight',
    'dm-session-longer-than-lock-ttl',
  ]);
});
