import { nextWakeDelay } from './backoff';

describe('nextWakeDelay', () => {
  const o = { baseMs: 1000, maxMs: 60000, jitter: 0.2 };
  it('doubles per attempt up to the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 7, 20].map((a) => nextWakeDelay(a, o, 1e9, mid))).toEqual([
      1000, 2000, 4000, 8000, 60000, 60000,
    ]);
  });
  it('spreads by the jitter fraction and never passes the deadline', () => {
    expect(nextWakeDelay(2, o, 1e9, () => 0)).toBe(1600);
    expect(nextWakeDelay(2, o, 1e9, () => 1)).toBe(2400);
    expect(nextWakeDelay(5, o, 700, () => 1)).toBe(700);
  });
});
