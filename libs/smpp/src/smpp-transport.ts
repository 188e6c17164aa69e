import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { BindManager, BindOwnershipHooks, ManagedBindHealth } from './bind/bind-manager';
import type { ReceiptEvent, SmppBind, SmppBindOptions } from './bind/smpp-bind';
import type { BindConfig } from './config/bind-config';
import { ReceiptCorrelator } from './correlation/receipt-correlator';
import { PushSubmitResult, PushSubmitter, PushToSend } from './push/push-submitter';

export interface SmppTransportOptions {
  redis: Redis;
  prefix: string;
  binds: BindConfig[];
  leaseTtlMs?: number;
  bindOptions?: SmppBindOptions;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

export interface PushFinalEvent {
  pushId: string;
  state: 'delivered' | 'failed';
}

/**
 * The SMPP side of the gateway in one object: bind ownership (leases), the connections this
 * process owns, push submission with Redis correlation, and receipt handling. Queue consumers
 * call `submitPushes`; `onOwned` / `onReleased` hooks tell them when to consume a bind's queue.
 * Emits 'push-final' (PushFinalEvent) when a receipt settles a push in this process.
 */
export class SmppTransport extends EventEmitter {
  readonly correlator: ReceiptCorrelator;
  readonly submitter: PushSubmitter;
  private manager?: BindManager;
  private receiptBuffer: ReceiptEvent[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: SmppTransportOptions) {
    super();
    this.correlator = new ReceiptCorrelator(options.redis, options.prefix);
    this.submitter = new PushSubmitter(this.correlator);
  }

  /** The binds this process runs (competes for), as last set. */
  get bindIds(): string[] {
    return this.manager?.bindIds ?? this.options.binds.map((b) => b.id);
  }

  /**
   * Changes the set of binds at run time (added, removed, paused, settings changed); see
   * BindManager.update. Before start() it only replaces the initial list.
   */
  async setBinds(binds: BindConfig[]): Promise<void> {
    if (!this.manager) {
      this.options.binds = binds;
      return;
    }
    await this.manager.update(binds);
  }

  start(hooks: Omit<BindOwnershipHooks, 'onReceipt' | 'log'> = {}): void {
    if (this.manager) return;
    this.manager = new BindManager(
      {
        redis: this.options.redis,
        prefix: this.options.prefix,
        binds: this.options.binds,
        leaseTtlMs: this.options.leaseTtlMs,
        bindOptions: this.options.bindOptions,
      },
      { ...hooks, onReceipt: (r) => this.queueReceipt(r), log: this.options.log },
    );
    this.manager.start();
  }

  async stop(): Promise<void> {
    await this.manager?.stop();
    this.manager = undefined;
    await this.flushReceipts();
  }

  owned(bindId: string): SmppBind | undefined {
    return this.manager?.owned(bindId);
  }

  health(): ManagedBindHealth[] {
    return this.manager?.health() ?? this.bindIds.map((id) => ({ id, owner: 'none' as const }));
  }

  submitPushes(bind: SmppBind, pushes: PushToSend[]): Promise<PushSubmitResult[]> {
    return this.submitter.submit(bind, pushes);
  }

  // Receipts are batched into one Redis pipeline per event-loop turn.
  private queueReceipt(r: ReceiptEvent): void {
    this.receiptBuffer.push(r);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushReceipts();
    });
  }

  private flushReceipts(): Promise<void> {
    const batch = this.receiptBuffer;
    this.receiptBuffer = [];
    if (!batch.length) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.correlator.recordReceipts(batch))
      .then((res) => {
        res.forEach((r) => {
          if (r.final && r.pushId) {
            const event: PushFinalEvent = { pushId: r.pushId, state: r.final };
            this.emit('push-final', event);
          }
        });
      })
      .catch((e) =>
        this.options.log?.('warn', `receipt correlation failed: ${(e as Error).message}`),
      );
    return this.flushing;
  }
}
