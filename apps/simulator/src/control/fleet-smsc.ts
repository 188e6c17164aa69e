import { SimulatedSmsc, type SmsReceiver } from '../smsc/simulated-smsc';

/**
 * The fleet's SMSC on a fixed port, with counters of its own. It can be killed (connections
 * reset, unanswered submits never answered) and comes back on the same port after a while.
 */
export class FleetSmsc {
  smsc?: SimulatedSmsc;
  submits = 0;
  starts = 0;
  /** the largest count of submits the SMSC received in one of its own 1-s windows */
  maxPerSecond = 0;
  private windowStart = 0;
  private windowCount = 0;
  private readonly handsets: SmsReceiver[] = [];
  private restartTimer?: NodeJS.Timeout;

  constructor(
    private readonly port: number,
    private readonly accounts?: Record<string, string>,
    private readonly receiptDelayMs = 0,
    private readonly host = '127.0.0.1',
  ) {}

  addHandset(h: SmsReceiver): void {
    this.handsets.push(h);
    this.smsc?.addHandset(h);
  }

  async start(): Promise<void> {
    const smsc = new SimulatedSmsc({
      host: this.host,
      port: this.port,
      accounts: this.accounts,
      receiptDelayMs: this.receiptDelayMs,
      recordSubmits: false,
      onSubmit: () => this.countSubmit(),
    });
    for (const h of this.handsets) smsc.addHandset(h);
    await smsc.start();
    this.smsc = smsc;
    this.starts++;
  }

  private countSubmit(): void {
    this.submits++;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now - (now % 1000);
      this.windowCount = 0;
    }
    this.windowCount++;
    this.maxPerSecond = Math.max(this.maxPerSecond, this.windowCount);
  }

  /** Dies now (every connection reset, port closed); listens again after `downMs`. */
  async kill(downMs: number): Promise<void> {
    const smsc = this.smsc;
    if (!smsc) throw new Error('SMSC is down');
    this.smsc = undefined;
    await smsc.kill();
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      smsc.stall(false);
      void smsc.start().then(() => {
        this.smsc = smsc;
        this.starts++;
      });
    }, downMs);
  }

  /**
   * A full window: the SMSC stops answering; once `pending` submits wait unanswered it dies and
   * is down for `downMs`. Resolves when it went down (or after `timeoutMs`).
   */
  async killWithFullWindow(pending: number, downMs: number, timeoutMs = 20_000): Promise<number> {
    const smsc = this.smsc;
    if (!smsc) throw new Error('SMSC is down');
    const before = this.submits;
    smsc.stall(true);
    const until = Date.now() + timeoutMs;
    while (this.submits - before < pending && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await this.kill(downMs);
    return this.submits - before;
  }

  /** Connections dropped, and binds refused with `status` for `ms`, then accepted again. */
  refuseBinds(ms: number, status: number): void {
    const smsc = this.smsc;
    smsc?.refuseBinds(status);
    smsc?.dropAll();
    setTimeout(() => smsc?.acceptBinds(), ms);
  }

  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    await this.smsc?.stop();
  }
}
