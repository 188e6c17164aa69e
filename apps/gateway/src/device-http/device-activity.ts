/**
 * Device traffic of this process (the device listener and the Workpoint listeners), for the
 * shutdown drain. The engines say which device sessions they opened and ended here; the drain
 * waits until none is open, no request is in flight and none has arrived for a quiet period (a
 * device woken just before the signal may still be calling in).
 */
export class DeviceActivity {
  private inFlight = 0;
  private last = 0;
  private readonly open = new Set<string>();
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

  /** An engine's session with a device (`key` names protocol and session) is open or over. */
  session(key: string, open: boolean): void {
    if (open) this.open.add(key);
    else if (this.open.delete(key)) this.wake();
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  get openSessions(): number {
    return this.open.size;
  }

  /**
   * Resolves once no session is open, nothing is in flight and nothing arrived for `quietMs`, or
   * at `deadline` (epoch ms), whichever comes first; `true` when it went quiet.
   */
  async quiet(quietMs: number, deadline: number): Promise<boolean> {
    for (;;) {
      const now = Date.now();
      const idle = this.inFlight === 0 && this.open.size === 0;
      if (idle && now - this.last >= quietMs) return true;
      if (now >= deadline) return false;
      const until = idle ? Math.min(this.last + quietMs, deadline) : deadline;
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
