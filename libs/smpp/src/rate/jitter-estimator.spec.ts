import { JitterEstimator } from './jitter-estimator';

describe('JitterEstimator', () => {
  it('is the spread of round trips over the span, and forgets what is older', () => {
    let now = 0;
    const j = new JitterEstimator(3, () => now);
    expect(j.spreadMs()).toBe(0);
    j.record(2);
    j.record(3);
    expect(j.spreadMs()).toBe(1);
    now = 1_000;
    j.record(80); // a stall
    expect(j.spreadMs()).toBe(78);
    now = 2_500;
    j.record(2);
    expect(j.spreadMs()).toBe(78);
    now = 4_000; // the stall's second (1) has left the 3-s span
    j.record(4);
    expect(j.spreadMs()).toBe(2);
    now = 60_000; // long idle: everything before is gone
    j.record(5);
    expect(j.spreadMs()).toBe(0);
  });
});
