import { resilienceTests } from './expect-case';

/** Redis stopped mid-campaign and restarted from its AOF. */
describe('resilience: Redis restart', () => {
  resilienceTests(['redis-sigterm', 'redis-sigkill']);
});
