import { EventEmitter } from 'node:events';
import * as smpp from 'smpp';
import type { BindConfig } from '../config/bind-config';
import { describeBind } from '../config/bind-config';
import { buildSubmitSmFields } from '../pdu/submit-sm.builder';
import { encodeSubmitSm, setSequenceNumber } from '../pdu/submit-sm.encoder';
import type { SmsMessage } from '../pdu/sms-message';
import { SlidingWindowLimiter } from '../rate/sliding-window-limiter';
import { normaliseMessageId } from '../receipts/message-id';
import { DeliveryReceipt, parseDeliveryReceipt } from '../receipts/receipt-parser';
import {
  BindClosedError,
  classifySmppStatus,
  SmppSubmitError,
  smppStatusName,
} from '../status/smpp-status';
import { backoffMs } from './backoff';
import { Deque } from './deque';
import { ReceiverLink } from './receiver-link';

export type BindState = 'idle' | 'connecting' | 'bound' | 'disconnected' | 'unbinding' | 'closed';

export interface SubmitResult {
  /** Message id exactly as the SMSC returned it. */
  messageId: string;
  /** Normalised for correlation with receipts (see normaliseMessageId). */
  canonicalId: string;
  attempts: number;
}

export interface BindCounters {
  submitted: number;
  acknowledged: number;
  throttled: number;
  temporaryErrors: number;
  permanentErrors: number;
  genericNacks: number;
  resubmitted: number;
  receipts: number;
  reconnects: number;
}

export interface BindHealth {
  id: string;
  state: BindState;
  /** transmitter-receiver mode: state of the receiving connection. */
  receiver?: string;
  inFlight: number;
  queued: number;
  lastError?: string;
  counters: BindCounters;
}

export interface ReceiptEvent extends DeliveryReceipt {
  canonicalId: string;
  bindId: string;
}

interface Pending {
  pdu: Buffer;
  attempts: number;
  notBefore: number;
  sentAt: number;
  resolve: (r: SubmitResult) => void;
  reject: (e: Error) => void;
}

export interface SmppBindOptions {
  /** Called with performance.now() each time a submit_sm is written (benchmarks). */
  onSubmitWritten?: (at: number) => void;
  /** Back-off for throttling / temporary errors (ms, doubled per attempt). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

/**
 * One SMPP connection to an SMSC: bind, window, sliding rate limit, retries, keep-alive,
 * reconnect and graceful unbind. Submits given to it are never dropped: whatever is in the window
 * when the connection breaks goes back to the head of the queue and is sent again once rebound;
 * submits the SMSC acknowledged are done and are never sent twice.
 */
export class SmppBind extends EventEmitter {
  private session: any;
  private state: BindState = 'idle';
  private readonly ready = new Deque<Pending>();
  private readonly delayed = new Set<Pending>();
  private readonly inFlight = new Map<number, Pending>();
  private readonly limiter: SlidingWindowLimiter;
  private pumpScheduled = false;
  private pumpTimer?: NodeJS.Timeout;
  private delayedTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private keepAliveTimer?: NodeJS.Timeout;
  private reconnectAttempt = 0;
  private throttledUntil = 0;
  private throttleStreak = 0;
  private lastError?: string;
  private boundWaiters: Array<() => void> = [];
  private receiver?: ReceiverLink;
  private drainWaiters: Array<() => void> = [];
  readonly counters: BindCounters = {
    submitted: 0,
    acknowledged: 0,
    throttled: 0,
    temporaryErrors: 0,
    permanentErrors: 0,
    genericNacks: 0,
    resubmitted: 0,
    receipts: 0,
    reconnects: 0,
  };

  constructor(
    readonly config: BindConfig,
    private readonly options: SmppBindOptions = {},
  ) {
    super();
    this.limiter = new SlidingWindowLimiter(config.ratePerSecond, 1000, config.rateGuardMs ?? 5);
  }

  get id(): string {
    return this.config.id;
  }

  start(): void {
    if (this.state !== 'idle') return;
    if (this.config.mode === 'transmitter-receiver') {
      this.receiver = new ReceiverLink(this.config, (session, pdu) =>
        this.onDeliverSm(session, pdu),
      );
      this.receiver.start();
    }
    this.connect();
  }

  isBound(): boolean {
    return this.state === 'bound';
  }

  waitBound(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'bound') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.boundWaiters = this.boundWaiters.filter((w) => w !== done);
        reject(
          new Error(`bind ${this.id} not bound after ${timeoutMs} ms: ${this.lastError ?? ''}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.boundWaiters.push(done);
    });
  }

  health(): BindHealth {
    return {
      id: this.id,
      state: this.state,
      inFlight: this.inFlight.size,
      queued: this.ready.length + this.delayed.size,
      lastError: this.lastError ?? this.receiver?.lastError,
      counters: { ...this.counters },
      ...(this.receiver ? { receiver: this.receiver.state } : {}),
    };
  }

  /** Queues one SMS; resolves with the SMSC's message id once submit_sm_resp says OK. */
  submit(msg: SmsMessage): Promise<SubmitResult> {
    if (this.state === 'unbinding' || this.state === 'closed') {
      return Promise.reject(new BindClosedError(`bind ${this.id} is closing`));
    }
    let pdu: Buffer;
    try {
      pdu = encodeSubmitSm(buildSubmitSmFields(this.config, msg), 0);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.ready.push({ pdu, attempts: 0, notBefore: 0, sentAt: 0, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Graceful unbind: refuses new submits, lets the window drain (up to `drainMs`), sends unbind
   * and waits for unbind_resp. Submits not yet sent fail with BindClosedError so their owner
   * (a queue job) retries them elsewhere.
   */
  async close(drainMs = 5_000): Promise<void> {
    if (this.state === 'closed') return;
    const wasBound = this.state === 'bound';
    this.state = 'unbinding';
    this.clearTimers();
    for (const p of [...this.ready.drain(), ...this.delayed]) {
      p.reject(new BindClosedError(`bind ${this.id} closed before this submit was sent`));
    }
    this.delayed.clear();
    if (wasBound && this.inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, drainMs);
        this.drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const p of [...this.inFlight.values(), ...this.ready.drain(), ...this.delayed]) {
      p.reject(new BindClosedError(`bind ${this.id} closed with this submit unacknowledged`));
    }
    this.inFlight.clear();
    this.delayed.clear();
    const session = this.session;
    this.session = undefined;
    if (session) {
      if (wasBound && session.socket?.writable) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2_000);
          session.unbind(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      await new Promise<void>((resolve) => {
        if (session.socket.destroyed) return resolve();
        session.socket.once('close', () => resolve());
        session.socket.end();
        setTimeout(() => {
          session.socket.destroy();
          resolve();
        }, 1_000).unref();
      });
    }
    await this.receiver?.close();
    this.setState('closed');
  }

  // ---- connection lifecycle -------------------------------------------------------------

  private connect(): void {
    this.setState('connecting');
    const session = smpp.connect({ host: this.config.host, port: this.config.port } as any);
    this.session = session;
    session.socket.setNoDelay(true);
    session.on('error', (e: Error) => {
      this.lastError = e.message;
      if (this.session === session) session.socket.destroy();
    });
    session.on('close', () => {
      if (this.session === session) this.onDisconnected();
    });
    session.on('connect', () => {
      const bindCmd = this.config.mode === 'transceiver' ? 'bind_transceiver' : 'bind_transmitter';
      session[bindCmd](
        {
          system_id: this.config.systemId,
          password: this.config.password,
          system_type: this.config.systemType,
          interface_version: 0x34,
        },
        (pdu: any) => {
          if (this.session !== session) return;
          if (pdu.command_status !== 0) {
            this.lastError = `${bindCmd} refused: ${smppStatusName(pdu.command_status)}`;
            this.log('warn', `${describeBind(this.config)}: ${this.lastError}`);
            session.socket.destroy();
            return;
          }
          this.onBound();
        },
      );
    });
    session.on('submit_sm_resp', (pdu: any) => this.onSubmitResp(pdu));
    session.on('generic_nack', (pdu: any) => this.onGenericNack(pdu));
    session.on('deliver_sm', (pdu: any) => this.onDeliverSm(session, pdu));
    session.on('enquire_link', (pdu: any) => session.send(pdu.response()));
    session.on('unbind', (pdu: any) => {
      session.send(pdu.response());
      session.socket.end();
    });
  }

  private onBound(): void {
    this.reconnectAttempt = 0;
    this.lastError = undefined;
    this.setState('bound');
    this.log('info', `${describeBind(this.config)} bound`);
    for (const w of this.boundWaiters.splice(0)) w();
    const tick = Math.max(
      20,
      Math.min(1_000, this.config.responseTimeoutMs / 2, this.config.enquireLinkMs || 1_000),
    );
    this.keepAliveTimer = setInterval(() => this.keepAlive(), tick);
    this.schedulePump();
  }

  private lastEnquire = 0;
  private enquireOutstanding = 0;

  /** enquire_link on idle links, and a dead-peer check on unanswered requests. */
  private keepAlive(): void {
    const now = performance.now();
    const session = this.session;
    if (!session || this.state !== 'bound') return;
    const timeout = this.config.responseTimeoutMs;
    if (this.enquireOutstanding && now - this.enquireOutstanding > timeout) {
      this.dropConnection('enquire_link unanswered');
      return;
    }
    for (const p of this.inFlight.values()) {
      if (now - p.sentAt > timeout) {
        this.dropConnection('submit_sm_resp overdue');
        return;
      }
      break; // insertion order: the first one is the oldest
    }
    if (this.config.enquireLinkMs > 0 && now - this.lastEnquire >= this.config.enquireLinkMs) {
      this.lastEnquire = now;
      this.enquireOutstanding = now;
      session.enquire_link({}, () => {
        this.enquireOutstanding = 0;
      });
    }
  }

  private dropConnection(why: string): void {
    this.lastError = why;
    this.log('warn', `${describeBind(this.config)}: ${why}, reconnecting`);
    this.session?.socket.destroy();
  }

  private onDisconnected(): void {
    this.session = undefined;
    this.enquireOutstanding = 0;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    // Whatever the SMSC had not acknowledged goes back first, in its original order.
    const lost = [...this.inFlight.values()];
    this.inFlight.clear();
    for (let i = lost.length - 1; i >= 0; i--) this.ready.pushFront(lost[i]);
    this.counters.resubmitted += lost.length;
    if (this.state === 'unbinding' || this.state === 'closed') {
      for (const w of this.drainWaiters.splice(0)) w();
      return;
    }
    this.setState('disconnected');
    this.counters.reconnects++;
    const delay = backoffMs(
      this.reconnectAttempt++,
      this.config.reconnectInitialMs,
      this.config.reconnectMaxMs,
    );
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  // ---- sending ----------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.state !== 'bound' || !this.session) return;
    const socket = this.session.socket;
    if (!socket.writable) return;
    const now = performance.now();
    if (this.throttledUntil > now) {
      this.armPumpTimer(this.throttledUntil - now);
      return;
    }
    let corked = false;
    while (this.inFlight.size < this.config.window && this.ready.length > 0) {
      const wait = this.limiter.delayMs();
      if (wait > 0) {
        this.armPumpTimer(wait);
        break;
      }
      const p = this.ready.shift() as Pending;
      let seq = ++this.session.sequence;
      if (seq > 0x7fffffff) seq = this.session.sequence = 1;
      setSequenceNumber(p.pdu, seq);
      p.attempts++;
      p.sentAt = performance.now();
      this.inFlight.set(seq, p);
      this.limiter.record();
      if (!corked && !socket.writableCorked) {
        socket.cork();
        corked = true;
      }
      socket.write(p.pdu);
      this.counters.submitted++;
      this.options.onSubmitWritten?.(p.sentAt);
    }
    if (corked) process.nextTick(() => socket.uncork());
  }

  private armPumpTimer(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(
      () => {
        this.pumpTimer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private onSubmitResp(pdu: any): void {
    const p = this.inFlight.get(pdu.sequence_number);
    if (!p) return;
    this.inFlight.delete(pdu.sequence_number);
    const status: number = pdu.command_status;
    if (status === 0) {
      this.counters.acknowledged++;
      this.throttleStreak = 0;
      const messageId = String(pdu.message_id ?? '');
      p.resolve({
        messageId,
        canonicalId: normaliseMessageId(messageId, this.config.submitIdBase),
        attempts: p.attempts,
      });
    } else {
      const kind = classifySmppStatus(status);
      if (kind === 'permanent') {
        this.counters.permanentErrors++;
        p.reject(new SmppSubmitError(status, p.attempts));
      } else if (p.attempts >= this.config.maxAttempts) {
        if (kind === 'throttle') this.counters.throttled++;
        else this.counters.temporaryErrors++;
        p.reject(
          new SmppSubmitError(
            status,
            p.attempts,
            `SMSC kept refusing submit_sm with ${smppStatusName(status)} after ${p.attempts} attempts`,
          ),
        );
      } else if (kind === 'throttle') {
        // The whole connection slows down, not just this message.
        this.counters.throttled++;
        const delay = this.retryDelay(this.throttleStreak++);
        this.throttledUntil = Math.max(this.throttledUntil, performance.now() + delay);
        this.ready.pushFront(p);
      } else {
        this.counters.temporaryErrors++;
        this.retryLater(p);
      }
    }
    this.afterResponse();
  }

  private onGenericNack(pdu: any): void {
    this.counters.genericNacks++;
    const p = this.inFlight.get(pdu.sequence_number);
    if (!p) return;
    this.inFlight.delete(pdu.sequence_number);
    // The SMSC could not read the PDU, so it did not take it: send it again later.
    if (p.attempts >= this.config.maxAttempts) {
      p.reject(
        new SmppSubmitError(
          pdu.command_status,
          p.attempts,
          `generic_nack ${smppStatusName(pdu.command_status)} after ${p.attempts} attempts`,
        ),
      );
    } else {
      this.retryLater(p);
    }
    this.afterResponse();
  }

  private afterResponse(): void {
    if (this.inFlight.size === 0 && this.drainWaiters.length) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
    this.schedulePump();
  }

  private retryDelay(attempt: number): number {
    return backoffMs(attempt, this.options.retryInitialMs ?? 50, this.options.retryMaxMs ?? 5_000);
  }

  private retryLater(p: Pending): void {
    p.notBefore = performance.now() + this.retryDelay(p.attempts - 1);
    this.delayed.add(p);
    this.armDelayedTimer();
  }

  private armDelayedTimer(): void {
    if (this.delayedTimer) return;
    let next = Infinity;
    for (const p of this.delayed) next = Math.min(next, p.notBefore);
    if (next === Infinity) return;
    this.delayedTimer = setTimeout(
      () => {
        this.delayedTimer = undefined;
        const now = performance.now();
        for (const p of this.delayed) {
          if (p.notBefore <= now) {
            this.delayed.delete(p);
            this.ready.pushFront(p);
          }
        }
        this.armDelayedTimer();
        this.schedulePump();
      },
      Math.max(1, Math.ceil(next - performance.now())),
    );
  }

  // ---- receipts ---------------------------------------------------------------------------

  private onDeliverSm(session: any, pdu: any): void {
    // deliver_sm_resp: header + empty message_id (SMPP 3.4 §4.6.2); written by hand and corked
    // so a burst of receipts costs one syscall, not one each.
    const resp = Buffer.allocUnsafe(17);
    resp.writeUInt32BE(17, 0);
    resp.writeUInt32BE(0x80000005, 4);
    resp.writeUInt32BE(0, 8);
    resp.writeUInt32BE(pdu.sequence_number >>> 0, 12);
    resp[16] = 0;
    const socket = session.socket;
    if (socket.writable) {
      if (!socket.writableCorked) {
        socket.cork();
        process.nextTick(() => socket.uncork());
      }
      socket.write(resp);
    }
    const receipt = parseDeliveryReceipt(pdu);
    if (!receipt) {
      this.emit('mo', pdu);
      return;
    }
    this.counters.receipts++;
    const event: ReceiptEvent = {
      ...receipt,
      bindId: this.id,
      canonicalId: normaliseMessageId(receipt.messageId, this.config.receiptIdBase),
    };
    this.emit('receipt', event);
  }

  // ---- misc -------------------------------------------------------------------------------

  private setState(s: BindState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  private clearTimers(): void {
    for (const t of [this.pumpTimer, this.delayedTimer, this.reconnectTimer])
      if (t) clearTimeout(t);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.pumpTimer = this.delayedTimer = this.reconnectTimer = this.keepAliveTimer = undefined;
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.options.log?.(level, msg);
  }
}
