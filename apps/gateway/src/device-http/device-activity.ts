/**
 * Device traffic of this process (the device listener and the Workpoint listeners), for the
 * shutdown drain: sessions are sequences of requests, so a session is taken to be over here when
 * no device request is in flight and none has arrived for a quiet period.
 */
export class DeviceActivity {
  private inFlight = 0;
  private last = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.inFlight++;
    this.last = Date.now();
  }

  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.last = Date.now();
    if (this.inFlight === 0) this.wake();
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Resolves once nothing is in flight and nothing arrived for `quietMs`, or at `deadline`
   * (epoch ms), whichever comes first; `true` when it went quiet.
   */
  async quiet(quietMs: number, deadline: number): Promise<boolean> {
    for (;;) {
      const now = Date.now();
      if (this.inFlight === 0 && now - this.last >= quietMs) return true;
      if (now >= deadline) return false;
      const until = this.inFlight === 0 ? Math.min(this.last + quietMs, deadline) : deadline;
      await new Promise<void>((done) => {
        const timer = setTimeout(settle, Math.max(1, until - now));
        function settle(): void {
          clearTimeout(timer);
          done();
        }
        this.waiters.push(settle);
      });
    }
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
