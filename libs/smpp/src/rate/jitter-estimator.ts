/**
 * How much later than usual the SMSC can read what we write, estimated from submit_sm_resp round
 * trips: the spread (slowest minus fastest) over the last `spanS` seconds. A message written just
 * before the SMSC (or the network, or our own process) stalls is read only after the stall, so it
 * lands in the SMSC's next 1-second window together with those sent after it; the rate limiter's
 * guard must be at least that long for the SMSC to count no more than the limit in any of its
 * own windows. Round trips also include our own delay in reading the answer, so this errs long.
 */
export class JitterEstimator {
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private bucket = -1;

  constructor(
    private readonly spanS = 30,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.min = new Float64Array(spanS).fill(Infinity);
    this.max = new Float64Array(spanS).fill(-Infinity);
  }

  /** Records one round trip (ms). */
  record(rttMs: number): void {
    const b = Math.floor(this.now() / 1000);
    if (b !== this.bucket) {
      // Clear the buckets skipped since the last sample (at most the whole ring).
      const steps = this.bucket < 0 ? this.spanS : Math.min(this.spanS, b - this.bucket);
      for (let i = 1; i <= steps; i++) {
        const k = (((this.bucket + i) % this.spanS) + this.spanS) % this.spanS;
        this.min[k] = Infinity;
        this.max[k] = -Infinity;
      }
      this.bucket = b;
    }
    const k = b % this.spanS;
    if (rttMs < this.min[k]) this.min[k] = rttMs;
    if (rttMs > this.max[k]) this.max[k] = rttMs;
  }

  /** Slowest minus fastest round trip over the span (0 without samples). */
  spreadMs(): number {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.spanS; i++) {
      if (this.min[i] < lo) lo = this.min[i];
      if (this.max[i] > hi) hi = this.max[i];
    }
    return hi >= lo ? hi - lo : 0;
  }
}
