/**
 * A sliding one-second limiter: a send is allowed only if fewer than `limit` sends happened in
 * the 1000 ms before it (plus a small guard for clock and socket jitter), and sends follow an
 * even schedule of one per 1000/limit ms, so the rate is held evenly instead of as a burst at
 * window edges (GCRA: a timer that fires late is made up by at most `catchUp` extra sends).
 * Kept in memory by the bind's single owner, which is what makes it exact.
 */
export class SlidingWindowLimiter {
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  private tat = -Infinity;
  private readonly spacing: number;

  constructor(
    readonly limit: number,
    private readonly windowMs = 1000,
    private guardMs = 10,
    private readonly now: () => number = () => performance.now(),
    private readonly catchUp = 3,
  ) {
    this.ring = new Float64Array(Math.max(1, limit));
    this.spacing = limit > 0 ? windowMs / limit : 0;
  }

  get guard(): number {
    return this.guardMs;
  }

  /** Changes the guard (the bind widens it when the SMSC's answers show scheduling jitter). */
  setGuardMs(ms: number): void {
    this.guardMs = Math.max(0, ms);
  }

  /** 0 if a send may happen now, else how many ms to wait. */
  delayMs(): number {
    if (this.limit <= 0) return 0;
    const t = this.now();
    let wait = this.tat - this.catchUp * this.spacing - t;
    if (this.count === this.limit) {
      const oldest = this.ring[this.head];
      wait = Math.max(wait, oldest + this.windowMs + this.guardMs - t);
    }
    return wait > 0 ? wait : 0;
  }

  /**
   * Starts as if `limit` sends had just happened at the even pace over the last window. A new
   * owner of a bind cannot know what the previous owner sent in its last second; assuming the
   * worst makes the two together hold the limit, at the cost of starting at the even pace
   * (first send after one spacing plus the guard) instead of a burst.
   */
  primeFull(): void {
    if (this.limit <= 0) return;
    const t = this.now();
    for (let i = 0; i < this.limit; i++) this.ring[i] = t - this.windowMs + (i + 1) * this.spacing;
    this.head = 0;
    this.count = this.limit;
    this.tat = t;
  }

  /** Records a send that happens now. */
  record(): void {
    if (this.limit <= 0) return;
    const t = this.now();
    this.tat = Math.max(this.tat, t) + this.spacing;
    this.ring[this.head] = t;
    this.head = (this.head + 1) % this.limit;
    if (this.count < this.limit) this.count++;
  }
}
