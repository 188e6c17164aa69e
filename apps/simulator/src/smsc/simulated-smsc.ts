import { AddressInfo } from 'node:net';
import * as smpp from 'smpp';
import { encodeDeliverSm, formatReceiptText, TLV } from '@dm-bridge/smpp';
import { readSubmit, ReceivedSubmit } from './smsc-submit';

/** A handset the SMSC can hand SMS to (it reassembles the WAP push itself, like a phone). */
export interface SmsReceiver {
  readonly msisdn: string;
  receiveSms(userData: Buffer, from: string): void;
}

export interface SimulatedSmscOptions {
  host?: string;
  /** 0 = ephemeral (tests); 2775 standalone. */
  port?: number;
  /** system_id -> password; when absent every ESME may bind. */
  accounts?: Record<string, string>;
  /** How message ids are written in submit_sm_resp. */
  messageIdBase?: 'hex' | 'decimal';
  /** How the id is written in the receipt text (some SMSCs use decimal there). */
  receiptTextIdBase?: 'hex' | 'decimal';
  /** Add receipted_message_id / message_state TLVs to receipts (default true). */
  receiptTlvs?: boolean;
  receiptDelayMs?: number;
  /** Only acknowledge: no routing to handsets, no receipts, nothing recorded (benchmarks). */
  ackOnly?: boolean;
  /** Keep every submit in `received` (default true; off for long benchmarks). */
  recordSubmits?: boolean;
  /** Receipt stat for an MSISDN without a simulated handset (default DELIVRD, like a real phone). */
  unknownHandsetStat?: string;
  onSubmit?: (submit: ReceivedSubmit | undefined, at: number) => void;
  /**
   * Like an operator SMSC: at most this many submit_sm per system_id in each of the SMSC's own
   * fixed 1-second windows (counted at receive time); beyond it, ESME_RTHROTTLED. 0 = none.
   */
  rateLimit?: number;
}

interface FaultCounter {
  remaining: number;
  status: number;
}

interface Stall {
  ackFirst: number;
  dropAtPending: number;
  seen: number;
}

const SUBMIT_SM_RESP = 0x80000004;
const ESME_RTHROTTLED = 0x58;

/**
 * An SMPP 3.4 SMSC for tests and the standalone simulator (node-smpp server). It binds any number
 * of ESMEs, acknowledges submit_sm with message ids, routes SMS to simulated handsets by MSISDN,
 * sends delivery receipts, and can be told to throttle, fail, nack, stall and drop connections.
 */
export class SimulatedSmsc {
  private server: any;
  private readonly sessions = new Set<any>();
  private readonly receivers = new Map<string, Set<any>>();
  private readonly handsets = new Map<string, SmsReceiver>();
  private readonly pendingReceipts = new Map<string, Buffer[]>();
  private nextMessageId = 0x10000;
  private throttle: FaultCounter = { remaining: 0, status: ESME_RTHROTTLED };
  private failNextN: FaultCounter = { remaining: 0, status: 0x08 };
  private nackNextN = 0;
  private stallDrop?: Stall;
  private readonly destinationFaults = new Map<string, number>();
  private readonly receiptStats = new Map<string, { stat: string; segment?: number }>();
  private receiptSeq = 0;
  private throttleUntil = 0;
  private throttleUntilStatus = ESME_RTHROTTLED;
  private bindRefusal = 0;
  private stalled = false;
  private loseResponsesN = 0;
  /** system_id -> fixed 1-s window (epoch second) -> submit_sm received in it. */
  private readonly windows = new Map<string, Map<number, number>>();
  readonly received: ReceivedSubmit[] = [];
  submitCount = 0;
  boundCount = 0;
  private addressInfo?: { host: string; port: number };

  constructor(private readonly options: SimulatedSmscOptions = {}) {}

  get address(): { host: string; port: number } {
    if (!this.addressInfo) throw new Error('SMSC not started');
    return this.addressInfo;
  }

  /** `smpp://id:password@host:port` for an ESME to use. */
  url(systemId = 'esme', password = 'secret'): string {
    return `smpp://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@${this.address.host}:${this.address.port}`;
  }

  /** Listens; after a stop() or kill() it comes back on the same port (ESMEs reconnect there). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.server) return this.address;
    this.server = smpp.createServer((session: any) => this.onSession(session));
    const host = this.options.host ?? '127.0.0.1';
    const port = this.addressInfo?.port ?? this.options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.addressInfo = { host, port: a.port };
    return this.addressInfo;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sessions) s.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = undefined;
  }

  /**
   * As if the SMSC process died: every connection is reset (RST, not FIN), unanswered submits
   * stay unanswered and the port refuses connections until start() is called again.
   */
  async kill(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sessions) {
      if (typeof s.socket.resetAndDestroy === 'function') s.socket.resetAndDestroy();
      else s.socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = undefined;
  }

  // ---- behaviour controls (tests) -------------------------------------------------------

  addHandset(h: SmsReceiver): void {
    this.handsets.set(h.msisdn, h);
  }

  /** Answer the next `n` submit_sm with ESME_RTHROTTLED (or ESME_RMSGQFUL 0x14). */
  throttleNext(n: number, status = ESME_RTHROTTLED): void {
    this.throttle = { remaining: n, status };
  }

  /** Answer every submit_sm with ESME_RTHROTTLED (or `status`) for the next `ms` milliseconds. */
  throttleFor(ms: number, status = ESME_RTHROTTLED): void {
    this.throttleUntil = performance.now() + ms;
    this.throttleUntilStatus = status;
  }

  /** Refuse every bind with `status` (default ESME_RBINDFAIL) until acceptBinds(). */
  refuseBinds(status = 0x0d): void {
    this.bindRefusal = status;
  }

  acceptBinds(): void {
    this.bindRefusal = 0;
  }

  /** Stop answering submit_sm (they are recorded, never acknowledged) until stall(false). */
  stall(on = true): void {
    this.stalled = on;
  }

  /**
   * The next `n` submit_sm are accepted and delivered to the handset, but their submit_sm_resp
   * is never written (lost with a dying SMSC): the ESME must send them again, so the handset
   * gets them twice. Models the at-least-once corner of SMPP.
   */
  loseResponses(n: number): void {
    this.loseResponsesN = n;
  }

  /**
   * Stops reading from every connection for `ms`, as a descheduled or busy SMSC does: what the
   * ESMEs write meanwhile waits in TCP buffers and is then read (and counted) in one burst.
   */
  freeze(ms: number): void {
    for (const session of this.sessions) {
      session.pause();
      setTimeout(() => session.resume(), ms);
    }
  }

  /** Enforce (or with 0 lift) a per-system_id limit per fixed 1-s window, see options.rateLimit. */
  setRateLimit(perSecond: number): void {
    this.options.rateLimit = perSecond;
  }

  /**
   * submit_sm received per fixed 1-second window of this SMSC (epoch seconds, receive time),
   * for one system_id or all together.
   */
  submitsPerWindow(systemId?: string): Map<number, number> {
    if (systemId !== undefined) return new Map(this.windows.get(systemId) ?? []);
    const all = new Map<number, number>();
    for (const w of this.windows.values())
      for (const [sec, n] of w) all.set(sec, (all.get(sec) ?? 0) + n);
    return all;
  }

  /** The largest count of submitsPerWindow(). */
  maxSubmitsPerWindow(systemId?: string): number {
    return Math.max(0, ...this.submitsPerWindow(systemId).values());
  }

  /** Answer the next `n` submit_sm with this (temporary) status. */
  failNext(n: number, status = 0x08): void {
    this.failNextN = { remaining: n, status };
  }

  /** Every submit to this MSISDN is refused with `status` (e.g. 0x0B ESME_RINVDSTADR). */
  failDestination(msisdn: string, status = 0x0b): void {
    this.destinationFaults.set(msisdn, status);
  }

  genericNackNext(n: number): void {
    this.nackNextN = n;
  }

  /**
   * Acknowledge `ackFirst` more submits, then stop answering; once `dropAtPending` submits are
   * unanswered, drop the TCP connection (a window full of unacknowledged submits is lost).
   */
  stallThenDrop(ackFirst: number, dropAtPending: number): void {
    this.stallDrop = { ackFirst, dropAtPending, seen: 0 };
  }

  /** Receipts for this MSISDN report `stat` (e.g. UNDELIV), optionally only for one segment. */
  setReceiptStat(msisdn: string, stat: string, segment?: number): void {
    this.receiptStats.set(msisdn, { stat, segment });
  }

  setReceiptDelay(ms: number): void {
    this.options.receiptDelayMs = ms;
  }

  /** Drops every ESME connection now. */
  dropAll(): void {
    for (const s of this.sessions) s.socket.destroy();
  }

  // ---- protocol ---------------------------------------------------------------------------

  private onSession(session: any): void {
    this.sessions.add(session);
    session.socket.setNoDelay(true);
    let systemId = '';
    let bound = false;
    let pendingUnacked = 0;
    const onBind = (canReceive: boolean) => (pdu: any) => {
      if (this.bindRefusal) {
        session.send(pdu.response({ command_status: this.bindRefusal }));
        return;
      }
      const accounts = this.options.accounts;
      if (accounts && accounts[pdu.system_id] !== pdu.password) {
        session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
        return;
      }
      systemId = pdu.system_id;
      bound = true;
      this.boundCount++;
      session.send(pdu.response({ system_id: 'DMBSIM' }));
      if (canReceive) {
        let set = this.receivers.get(systemId);
        if (!set) this.receivers.set(systemId, (set = new Set()));
        set.add(session);
        const queued = this.pendingReceipts.get(systemId);
        if (queued) {
          this.pendingReceipts.delete(systemId);
          for (const b of queued) this.writeReceipt(systemId, b);
        }
      }
    };
    session.on('bind_transceiver', onBind(true));
    session.on('bind_receiver', onBind(true));
    session.on('bind_transmitter', onBind(false));
    session.on('enquire_link', (pdu: any) => session.send(pdu.response()));
    session.on('unbind', (pdu: any) => {
      session.send(pdu.response());
      session.socket.end();
    });
    session.on('error', () => session.socket.destroy());
    session.on('close', () => {
      this.sessions.delete(session);
      this.receivers.get(systemId)?.delete(session);
    });
    session.on('submit_sm', (pdu: any) => {
      if (!bound) {
        session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
        return;
      }
      const at = performance.now();
      this.submitCount++;
      const inWindow = this.countInWindow(systemId, at);
      if (this.nackNextN > 0) {
        this.nackNextN--;
        session.send(
          new smpp.PDU('generic_nack', {
            sequence_number: pdu.sequence_number,
            command_status: smpp.ESME_RSYSERR,
          }),
        );
        return;
      }
      if (this.options.ackOnly) {
        this.options.onSubmit?.(undefined, at);
        this.writeSubmitResp(session, pdu.sequence_number, 0, this.newMessageId());
        return;
      }
      const submit = readSubmit(systemId, pdu);
      this.options.onSubmit?.(submit, at);
      if (this.options.recordSubmits !== false) this.received.push(submit);
      if (this.stalled) return;
      if (this.stallDrop) {
        const st = this.stallDrop;
        st.seen++;
        if (st.seen > st.ackFirst) {
          pendingUnacked++;
          if (pendingUnacked >= st.dropAtPending) {
            this.stallDrop = undefined;
            session.socket.destroy();
          }
          return;
        }
      }
      let status = this.destinationFaults.get(submit.destination) ?? 0;
      const limit = this.options.rateLimit ?? 0;
      if (!status && limit > 0 && inWindow > limit) status = ESME_RTHROTTLED;
      if (!status && at < this.throttleUntil) status = this.throttleUntilStatus;
      if (!status && this.throttle.remaining > 0) {
        this.throttle.remaining--;
        status = this.throttle.status;
      } else if (!status && this.failNextN.remaining > 0) {
        this.failNextN.remaining--;
        status = this.failNextN.status;
      }
      if (status) {
        this.writeSubmitResp(session, pdu.sequence_number, status, '');
        return;
      }
      const id = this.newMessageId();
      if (this.loseResponsesN > 0) this.loseResponsesN--;
      else this.writeSubmitResp(session, pdu.sequence_number, 0, id);
      this.route(submit, id);
    });
  }

  /** Counts one submit in its fixed 1-s window; returns the count so far in that window. */
  private countInWindow(systemId: string, at: number): number {
    const sec = Math.floor((performance.timeOrigin + at) / 1000);
    let w = this.windows.get(systemId);
    if (!w) this.windows.set(systemId, (w = new Map()));
    const n = (w.get(sec) ?? 0) + 1;
    w.set(sec, n);
    return n;
  }

  private newMessageId(): number {
    return this.nextMessageId++;
  }

  private formatId(id: number, base: 'hex' | 'decimal' | undefined): string {
    return base === 'decimal' ? String(id) : id.toString(16);
  }

  private writeSubmitResp(session: any, seq: number, status: number, id: number | string): void {
    const text = status ? '' : this.formatId(Number(id), this.options.messageIdBase);
    const len = 16 + (status ? 0 : text.length + 1);
    const b = Buffer.allocUnsafe(len);
    b.writeUInt32BE(len, 0);
    b.writeUInt32BE(SUBMIT_SM_RESP, 4);
    b.writeUInt32BE(status, 8);
    b.writeUInt32BE(seq, 12);
    if (!status) {
      b.write(text, 16, 'latin1');
      b[len - 1] = 0;
    }
    const socket = session.socket;
    if (!socket.writable) return;
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(b);
  }

  /** Gives the SMS to the handset and schedules the receipt. */
  private route(submit: ReceivedSubmit, id: number): void {
    const handset = this.handsets.get(submit.destination);
    let stat = handset ? 'DELIVRD' : (this.options.unknownHandsetStat ?? 'DELIVRD');
    if (handset) {
      try {
        handset.receiveSms(submit.userData, submit.source);
      } catch {
        // A phone that cannot read a push still acknowledges the SMS at the radio layer.
      }
    }
    const forced = this.receiptStats.get(submit.destination);
    if (forced && (forced.segment === undefined || forced.segment === segmentNumber(submit))) {
      stat = forced.stat;
    }
    if (!(submit.registeredDelivery & 0x03)) return;
    const receipt = this.buildReceipt(submit, id, stat);
    const delay = this.options.receiptDelayMs ?? 0;
    if (delay > 0) setTimeout(() => this.writeReceipt(submit.systemId, receipt), delay);
    else this.writeReceipt(submit.systemId, receipt);
  }

  private buildReceipt(submit: ReceivedSubmit, id: number, stat: string): Buffer {
    const now = new Date();
    const text = formatReceiptText({
      messageId: this.formatId(id, this.options.receiptTextIdBase ?? this.options.messageIdBase),
      stat,
      err: stat === 'DELIVRD' ? '000' : '001',
      submitDate: now,
      doneDate: now,
    });
    const tlvs = [];
    if (this.options.receiptTlvs !== false) {
      tlvs.push({
        tag: TLV.receiptedMessageId,
        value: Buffer.from(this.formatId(id, this.options.messageIdBase) + '\0', 'latin1'),
      });
      tlvs.push({ tag: TLV.messageState, value: Buffer.from([MESSAGE_STATES[stat] ?? 7]) });
    }
    return encodeDeliverSm(
      {
        serviceType: '',
        sourceTon: 1,
        sourceNpi: 1,
        sourceAddr: submit.destination,
        destTon: 0,
        destNpi: 0,
        destinationAddr: submit.source,
        esmClass: 0x04,
        protocolId: 0,
        priorityFlag: 0,
        scheduleDeliveryTime: '',
        validityPeriod: '',
        registeredDelivery: 0,
        replaceIfPresent: 0,
        dataCoding: 0,
        smDefaultMsgId: 0,
        shortMessage: Buffer.from(text, 'latin1'),
        tlvs,
      },
      0,
    );
  }

  private writeReceipt(systemId: string, pdu: Buffer): void {
    const set = this.receivers.get(systemId);
    const session = set && [...set].find((s) => s.socket.writable);
    if (!session) {
      // No receiver bound right now: keep it, as an SMSC stores receipts until the ESME is back.
      const q = this.pendingReceipts.get(systemId) ?? [];
      q.push(pdu);
      this.pendingReceipts.set(systemId, q);
      return;
    }
    this.receiptSeq = this.receiptSeq >= 0x7fffffff ? 1 : this.receiptSeq + 1;
    pdu.writeUInt32BE(this.receiptSeq, 12);
    const socket = session.socket;
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(pdu);
  }
}

const MESSAGE_STATES: Record<string, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** Segment number from an 8- or 16-bit concatenation IE (1 when the SMS is not concatenated). */
function segmentNumber(s: ReceivedSubmit): number {
  if (!s.udhi || s.userData.length < 1) return 1;
  const udhl = s.userData[0];
  let o = 1;
  while (o < udhl + 1) {
    const iei = s.userData[o];
    const len = s.userData[o + 1];
    if (iei === 0x00 && len === 3) return s.userData[o + 4];
    if (iei === 0x08 && len === 4) return s.userData[o + 5];
    o += 2 + len;
  }
  return 1;
}
