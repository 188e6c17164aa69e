import { EventEmitter } from 'node:events';
import * as smpp from 'smpp';
import type { BindConfig } from '../config/bind-config';
import { describeBind } from '../config/bind-config';
import { buildSubmitSmFields } from '../pdu/submit-sm.builder';
import { encodeSubmitSm, setSequenceNumber } from '../pdu/submit-sm.encoder';
import type { SmsMessage } from '../pdu/sms-message';
import { JitterEstimator } from '../rate/jitter-estimator';
import { SlidingWindowLimiter } from '../rate/sliding-window-limiter';
import { normaliseMessageId } from '../receipts/message-id';
import { DeliveryReceipt, parseDeliveryReceipt } from '../receipts/receipt-parser';
import {
  BindClosedError,
  classifySmppStatus,
  SmppSubmitError,
  smppStatusName,
  SubmitExpiredError,
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
  /** The last problem seen, kept after recovery (for status views): what and when (epoch ms). */
  lastProblem?: { message: string; at: number };
  /** Since when (epoch ms) the SMSC throttles this connection; absent when it does not. */
  throttledSince?: number;
  /** The window: submit_sm this connection may have unacknowledged at once. */
  window: number;
  /** The configured rate limit (msg/s, 0 = none). */
  ratePerSecond: number;
  /** With a rate limit: the guard in use now (ms), see BindConfig.rateGuardMs. */
  rateGuardMs?: number;
  counters: BindCounters;
}

export interface ReceiptEvent extends DeliveryReceipt {
  canonicalId: string;
  bindId: string;
}

export interface SubmitOptions {
  /**
   * Epoch ms. Transient causes (throttling, temporary errors, generic_nack, no connection) are
   * retried until then and never fail the submit before; past it the submit fails with
   * SubmitExpiredError. Without it the bind retries until it is closed.
   */
  deadline?: number;
}

interface Pending {
  pdu: Buffer;
  attempts: number;
  /** Transient errors of this message so far (its back-off exponent). */
  retries: number;
  notBefore: number;
  sentAt: number;
  deadline: number;
  lastCause?: string;
  resolve: (r: SubmitResult) => void;
  reject: (e: Error) => void;
}

export interface SmppBindOptions {
  /** Called with performance.now() each time a submit_sm is written (benchmarks). */
  onSubmitWritten?: (at: number) => void;
  /**
   * Back-off for throttling (whole connection) and temporary errors / generic_nack (one
   * message): doubled per occurrence from retryInitialMs up to retryMaxMs, with jitter.
   */
  retryInitialMs?: number;
  retryMaxMs?: number;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

/**
 * One SMPP connection to an SMSC: bind, window, sliding rate limit, retries, keep-alive,
 * reconnect and graceful unbind. Submits given to it are never dropped: whatever is in the window
 * when the connection breaks goes back to the head of the queue and is sent again once rebound;
 * submits the SMSC acknowledged are done and are never sent twice. Transient refusals are
 * retried until the submit's deadline, never counted; only a permanent status fails a submit.
 */
export class SmppBind extends EventEmitter {
  private session: any;
  private state: BindState = 'idle';
  private readonly ready = new Deque<Pending>();
  private readonly delayed = new Set<Pending>();
  private readonly inFlight = new Map<number, Pending>();
  private readonly limiter: SlidingWindowLimiter;
  private readonly jitter = new JitterEstimator();
  private pumpScheduled = false;
  private pumpTimer?: NodeJS.Timeout;
  private delayedTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private keepAliveTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private reconnectAttempt = 0;
  private throttledUntil = 0;
  /** Throttle pauses in a row without a success; while > 0 the window is 1 (a probe). */
  private throttleStreak = 0;
  private throttlePausedAt = -Infinity;
  /** Epoch ms after which this process may no longer send (end of its lease on the bind). */
  private sendUntil = Infinity;
  private lastErrorText?: string;
  private lastProblem?: { message: string; at: number };
  /** Epoch ms of the connection loss being recovered from (for the reconnect log line). */
  private lostAt?: number;
  private throttleStartedAt?: number;
  private throttleRefusals = 0;
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
    this.limiter = new SlidingWindowLimiter(config.ratePerSecond, 1000, config.rateGuardMs ?? 10);
    // Whoever held this bind before may have sent a full second's worth just now.
    this.limiter.primeFull();
  }

  get id(): string {
    return this.config.id;
  }

  private get lastError(): string | undefined {
    return this.lastErrorText;
  }

  /** Every problem is also kept, with its time, as lastProblem (not cleared by a recovery). */
  private set lastError(message: string | undefined) {
    this.lastErrorText = message;
    if (message) this.lastProblem = { message, at: Date.now() };
  }

  start(): void {
    if (this.state !== 'idle') return;
    if (this.config.mode === 'transmitter-receiver') {
      this.receiver = new ReceiverLink(
        this.config,
        (session, pdu) => this.onDeliverSm(session, pdu),
        (level, msg) => this.log(level, msg),
      );
      this.receiver.start();
    }
    this.expiryTimer = setInterval(() => this.expireWaiting(), 1_000);
    this.expiryTimer.unref();
    this.connect();
  }

  /**
   * Fences sending to the lease: after `epochMs` nothing more is written (the lease may have
   * expired and another process may own the bind). The bind manager moves it on each renewal.
   */
  setSendUntil(epochMs: number): void {
    const lifted = epochMs > this.sendUntil;
    this.sendUntil = epochMs;
    if (lifted) this.schedulePump();
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
      ...(this.lastProblem ? { lastProblem: { ...this.lastProblem } } : {}),
      ...(this.throttleStartedAt ? { throttledSince: this.throttleStartedAt } : {}),
      window: this.config.window,
      ratePerSecond: this.config.ratePerSecond,
      ...(this.config.ratePerSecond > 0 ? { rateGuardMs: this.limiter.guard } : {}),
      counters: { ...this.counters },
      ...(this.receiver ? { receiver: this.receiver.state } : {}),
    };
  }

  /**
   * Queues one SMS; resolves with the SMSC's message id once submit_sm_resp says OK. Rejects
   * with SmppSubmitError (permanent status), SubmitExpiredError (deadline passed) or
   * BindClosedError (closed first).
   */
  submit(msg: SmsMessage, options: SubmitOptions = {}): Promise<SubmitResult> {
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
      this.ready.push({
        pdu,
        attempts: 0,
        retries: 0,
        notBefore: 0,
        sentAt: 0,
        deadline: options.deadline ?? Infinity,
        resolve,
        reject,
      });
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
      // One line per outage, not one per reconnect attempt.
      if (this.reconnectAttempt === 0 && this.state === 'connecting' && !this.lostAt)
        this.log('warn', `${describeBind(this.config)}: cannot connect to the SMSC: ${e.message}`);
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
    if (this.lostAt !== undefined) {
      this.log(
        'info',
        `${describeBind(this.config)} reconnected and bound again ${Date.now() - this.lostAt} ms after the connection was lost`,
      );
      this.lostAt = undefined;
    } else this.log('info', `${describeBind(this.config)} bound`);
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
    this.dropReason = why;
    this.session?.socket.destroy();
  }

  private dropReason?: string;

  private onDisconnected(): void {
    const wasBound = this.state === 'bound';
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
    if (wasBound) {
      const why = this.dropReason ?? 'closed by the SMSC or the network';
      if (!this.dropReason) this.lastError = `connection lost: ${why}`;
      this.lostAt = Date.now();
      this.log(
        'warn',
        `${describeBind(this.config)}: SMSC connection lost (${why}); ${lost.length} unacknowledged submit_sm will be sent again; reconnecting`,
      );
    }
    this.dropReason = undefined;
    this.endThrottle('connection lost');
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
    if (Date.now() >= this.sendUntil) {
      if (this.ready.length) this.armPumpTimer(50);
      return;
    }
    // After a throttle pause one probe goes out; the window opens again once it is accepted.
    const window = this.throttleStreak > 0 ? 1 : this.config.window;
    let corked = false;
    while (this.inFlight.size < window && this.ready.length > 0) {
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
    this.observeRoundTrip(p);
    const status: number = pdu.command_status;
    if (status === 0) {
      this.counters.acknowledged++;
      if (this.throttleStreak) {
        this.throttleStreak = 0;
        this.endThrottle('a submit_sm was accepted');
        this.schedulePump(); // the probe went through: open the window again
      }
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
      } else {
        p.lastCause = smppStatusName(status);
        if (kind === 'throttle') {
          this.counters.throttled++;
          this.throttleRefusals++;
          if (this.throttleStartedAt === undefined) {
            this.throttleStartedAt = Date.now();
            this.lastError = `throttled by the SMSC (${p.lastCause})`;
            this.log(
              'warn',
              `${describeBind(this.config)}: the SMSC throttles (${p.lastCause}); pausing and probing`,
            );
          }
          this.onThrottled(p);
        } else {
          this.counters.temporaryErrors++;
          this.retryLater(p);
          // The SMSC forgot our bind: bind again (the message waits its back-off meanwhile).
          if (status === 0x04) this.dropConnection('SMSC answered ESME_RINVBNDSTS');
        }
      }
    }
    this.afterResponse();
  }

  /** Widens (or narrows back) the rate guard to the SMSC's recent response-time spread. */
  private observeRoundTrip(p: Pending): void {
    if (this.config.ratePerSecond <= 0) return;
    // Rate-limited binds answer at most a few hundred a second: re-reading each time is cheap.
    this.jitter.record(performance.now() - p.sentAt);
    const min = this.config.rateGuardMs;
    const max = Math.max(min, this.config.rateGuardMaxMs ?? min);
    this.limiter.setGuardMs(Math.min(max, Math.max(min, Math.ceil(this.jitter.spreadMs()))));
  }

  /** Throttling pauses the whole connection, not just this message. */
  private onThrottled(p: Pending): void {
    if (this.expireIfDue(p)) return;
    this.ready.pushFront(p);
    // Answers to messages sent before the current pause began are the same signal, not a new
    // one: only a refused probe (or a message sent after the pause) lengthens the pause.
    if (p.sentAt < this.throttlePausedAt) return;
    const now = performance.now();
    this.throttlePausedAt = now;
    this.throttledUntil = Math.max(
      this.throttledUntil,
      now + this.retryDelay(this.throttleStreak++),
    );
  }

  private endThrottle(why: string): void {
    if (this.throttleStartedAt === undefined) return;
    this.log(
      'info',
      `${describeBind(this.config)}: throttling ended after ${Date.now() - this.throttleStartedAt} ms and ${this.throttleRefusals} refused submit_sm (${why})`,
    );
    this.throttleStartedAt = undefined;
    this.throttleRefusals = 0;
  }

  private onGenericNack(pdu: any): void {
    this.counters.genericNacks++;
    const p = this.inFlight.get(pdu.sequence_number);
    if (!p) return;
    this.inFlight.delete(pdu.sequence_number);
    // The SMSC could not read the PDU, so it did not take it: send it again later.
    p.lastCause = `generic_nack ${smppStatusName(pdu.command_status)}`;
    this.retryLater(p);
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
    if (this.expireIfDue(p)) return;
    p.notBefore = performance.now() + this.retryDelay(p.retries++);
    this.delayed.add(p);
    this.armDelayedTimer();
  }

  private expireIfDue(p: Pending, now = Date.now()): boolean {
    if (now < p.deadline) return false;
    p.reject(new SubmitExpiredError(p.attempts, p.lastCause));
    return true;
  }

  /** Fails the waiting submits whose deadline passed (those in the window wait for their answer). */
  private expireWaiting(): void {
    const now = Date.now();
    const cause =
      this.state === 'bound' ? undefined : `no SMSC connection (${this.lastError ?? this.state})`;
    const due = (p: Pending): boolean => now >= p.deadline;
    const expired = this.ready.removeWhere(due);
    for (const p of this.delayed) {
      if (due(p)) {
        this.delayed.delete(p);
        expired.push(p);
      }
    }
    for (const p of expired) {
      p.lastCause ??= cause;
      this.expireIfDue(p, now);
    }
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
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.pumpTimer = this.delayedTimer = this.reconnectTimer = this.keepAliveTimer = undefined;
    this.expiryTimer = undefined;
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.options.log?.(level, msg);
  }
}
