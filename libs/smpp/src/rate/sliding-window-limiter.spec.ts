import fc from 'fast-check';
import { SlidingWindowLimiter } from './sliding-window-limiter';

/** Drives the limiter on a simulated clock the way the bind's pump does: send as soon as allowed. */
function run(limit: number, durationMs: number, lateness: (i: number) => number): number[] {
  let now = 0;
  const limiter = new SlidingWindowLimiter(limit, 1000, 5, () => now);
  const sends: number[] = [];
  let i = 0;
  while (now < durationMs) {
    const wait = limiter.delayMs();
    if (wait > 0) {
      now += wait + lateness(i++); // timers fire late, never early
      continue;
    }
    limiter.record();
    sends.push(now);
  }
  return sends;
}

function maxInAnySecond(stamps: number[]): number {
  let max = 0;
  let j = 0;
  for (let i = 0; i < stamps.length; i++) {
    while (stamps[i] - stamps[j] >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('SlidingWindowLimiter', () => {
  it('holds 200/s within 1 % over 60 s and never exceeds 200 in any 1-s window', () => {
    const sends = run(200, 60_000, () => 0);
    expect(maxInAnySecond(sends)).toBeLessThanOrEqual(200);
    expect(sends.length / 60).toBeGreaterThan(198);
    expect(sends.length / 60).toBeLessThanOrEqual(200);
  });

  it('spreads sends evenly instead of bursting at window edges', () => {
    const sends = run(100, 3_000, () => 0);
    // no 100 ms stretch ever holds more than 10 + the 3 catch-up sends
    expect(sends.every((t) => sends.filter((u) => u >= t && u < t + 100).length <= 13)).toBe(true);
  });

  it('property: whatever the timer lateness, no 1-s window ever holds more than the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (limit, late) => {
          const sends = run(limit, 4_000, (i) => late[i % late.length]);
          return maxInAnySecond(sends) <= limit;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('limit 0 means unlimited', () => {
    const l = new SlidingWindowLimiter(0);
    l.record();
    expect(l.delayMs()).toBe(0);
  });
});
