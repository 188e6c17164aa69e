import { createHash } from 'node:crypto';
import { basicCredential, md5Credential } from '../auth/digest';
import type { DmEncoding } from '../message/codec';
import type {
  AlertCommand,
  DmCommand,
  DmItem,
  DmMessage,
  ItemCommand,
  ResultsCommand,
  StatusCommand,
} from '../message/types';
import { isItemCommand } from '../message/types';
import { AUTH_TYPE, verifyClientAuth } from './client-auth';
import { ALERT, STATUS } from './constants';
import { ReplyBuilder } from './reply-builder';
import { toResultItem } from './result-items';
import type {
  AuthGuard,
  DmDeviceAccount,
  DmDeviceInfo,
  DmEvent,
  DmOperation,
  DmOperationResult,
  DmServerAuthScheme,
  DmServerConfig,
  DmSessionState,
  InflightCommand,
} from './types';

export interface DmMessageInput {
  now: number;
  /** the device's stored session (any session id), if any */
  state?: DmSessionState;
  /** the device's DM account; undefined when the device is unknown */
  account?: DmDeviceAccount;
  message: DmMessage;
  /** exact request entity bytes */
  body: Uint8Array;
  encoding: DmEncoding;
  hmacHeader?: string;
  /** URL the device must post its next message to */
  respURI?: string;
  /** operations waiting for this device (read when the message opens a session) */
  pending?: DmOperation[];
  /** hex session id of the last package #0 sent to the device */
  notificationSessionId?: string;
  random: (bytes: number) => Uint8Array;
  /** the request's source address as the adapter sees it (lockout and session binding) */
  peer?: string;
  /** encoded size of a message in `encoding` (for MaxMsgSize) */
  measure: (msg: DmMessage) => number;
}

export interface DmAccountUpdate {
  clientNonce?: string;
  serverNonce?: string;
}

export type DmMessageOutcome =
  | {
      kind: 'reply';
      reply: DmMessage;
      state: DmSessionState;
      events: DmEvent[];
      /** operations taken from `pending` into this session */
      claimed: string[];
      account?: DmAccountUpdate;
      /** when set, sign the encoded reply with an x-syncml-hmac header using these */
      sign?: { username: string; password: string; nonce: string };
    }
  /** same MsgID and bytes as the last request: send the cached reply again, execute nothing */
  | { kind: 'retransmission' }
  /**
   * no session to answer within (unknown SessionID/device, MsgID out of order). Nothing is stored,
   * except `closed`: the device's session that this message found timed out, to store as ended.
   */
  | {
      kind: 'refused';
      reply: DmMessage;
      status: number;
      reason: string;
      events: DmEvent[];
      closed?: DmSessionState;
    };

/** Server auth schemes by the Meta Type a device's Chal names (compared in lower case). */
const SCHEME_OF_TYPE: Record<string, 'basic' | 'md5' | 'hmac'> = {
  'syncml:auth-basic': 'basic',
  'syncml:auth-md5': 'md5',
  'syncml:auth-mac': 'hmac',
};
const STRENGTH: Record<DmServerAuthScheme, number> = { none: 0, basic: 1, md5: 2, hmac: 3 };

const START_ALERTS = new Set<string>([ALERT.SERVER_INITIATED, ALERT.CLIENT_INITIATED]);

export function startAlertOf(msg: DmMessage): AlertCommand | undefined {
  for (const c of msg.commands)
    if (c.kind === 'Alert' && c.data !== undefined && START_ALERTS.has(c.data)) return c;
  return undefined;
}

function sameSessionId(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const x = parseInt(a, 16);
  return /^[0-9a-f]{1,8}$/i.test(a) && /^[0-9a-f]{1,8}$/i.test(b) && x === parseInt(b, 16);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Operations of a session that never got a final answer (they go back to the queue). */
export function unfinishedOperations(state: DmSessionState): DmOperation[] {
  const out: DmOperation[] = [...state.queue];
  const seen = new Set(out.map((o) => o.id));
  const sentOps = state.sentOps ?? {};
  for (const f of Object.values(state.inflight)) {
    if (f.parent || seen.has(f.opId)) continue;
    const op = sentOps[f.opId];
    if (op) {
      out.push(op);
      seen.add(f.opId);
    }
  }
  if (state.outgoing && !seen.has(state.outgoing.opId)) {
    const op = sentOps[state.outgoing.opId];
    if (op) out.push(op);
  }
  return out;
}

/** Ends a stored session from the outside (superseded, timed out): the event to deliver. */
export function closeSession(state: DmSessionState, reason: 'superseded' | 'timeout'): DmEvent {
  return {
    type: 'session-ended',
    deviceId: state.deviceId,
    sessionId: state.sessionId,
    reason,
    unfinished: unfinishedOperations(state),
  };
}

function newState(
  input: DmMessageInput,
  account: DmDeviceAccount | undefined,
  initiator: 'client' | 'server',
): DmSessionState {
  const h = input.message.header;
  return {
    v: 1,
    deviceId: h.source.locURI,
    sessionId: h.sessionId,
    version: input.message.version,
    initiator,
    phase: 'authenticating',
    startedAt: input.now,
    lastActivity: input.now,
    authenticated: false,
    authFailures: 0,
    clientNonce: account?.clientNonce ?? '',
    serverAuthenticated: false,
    serverAuthFailures: 0,
    lastClientMsgId: 0,
    serverMsgId: 0,
    queue: [],
    inflight: {},
    sentOps: {},
    serverPackageOpen: false,
  };
}

/**
 * The OMA DM server session engine: one client message in, one reply out (DM Protocol 1.2 §8–§10;
 * shared/protocols §3). Pure: no clock, no randomness, no I/O of its own.
 */
export function handleClientMessage(
  input: DmMessageInput,
  config: DmServerConfig,
): DmMessageOutcome {
  const msg = input.message;
  const hdr = msg.header;
  const events: DmEvent[] = [];
  const msgId = Number(hdr.msgId);
  if (!/^\d{1,9}$/.test(hdr.msgId) || msgId < 1) {
    return refuse(
      input,
      STATUS.BAD_REQUEST,
      `MsgID ${JSON.stringify(hdr.msgId)} is not a positive integer`,
      events,
    );
  }
  const bodyHash = createHash('md5').update(input.body).digest('base64');
  let state = input.state;
  let timedOut: DmSessionState | undefined;
  const sameSession = state !== undefined && sameSessionId(state.sessionId, hdr.sessionId);
  const peer = input.peer ?? '';

  // A message of an open session from another source is not the device's (MD5 and basic
  // authenticate only the first message): refused before anything, retransmissions included.
  if (
    config.bindSessionToPeer &&
    state &&
    sameSession &&
    state.phase !== 'ended' &&
    state.peer !== undefined &&
    state.peer !== peer &&
    !(startAlertOf(msg) !== undefined && msgId === 1)
  ) {
    return refuse(
      input,
      STATUS.UNAUTHORIZED,
      `message of session ${hdr.sessionId} for ${hdr.source.locURI} from ${peer || 'an unknown source'}, not from the source that opened it`,
      events,
    );
  }

  if (
    state &&
    sameSession &&
    msgId === state.lastClientMsgId &&
    bodyHash === state.lastRequestHash
  ) {
    return { kind: 'retransmission' };
  }
  if (
    state &&
    state.phase !== 'ended' &&
    input.now - state.lastActivity > config.sessionTimeoutMs
  ) {
    events.push(closeSession(state, 'timeout'));
    state = {
      ...state,
      phase: 'ended',
      endReason: 'timeout',
      queue: [],
      inflight: {},
      sentOps: {},
    };
    timedOut = state;
  }

  const start = startAlertOf(msg);
  // The server's Cred rides in its last message; a session with nothing to do ends there. A
  // device that refuses that Cred answers in one more message (SyncHdr Status 401/407, usually a
  // Chal naming the type it wants): the ended session takes it up again to answer with new
  // credentials, from the source that opened it, within the session timeout.
  if (
    state &&
    sameSession &&
    state.phase === 'ended' &&
    state.endReason === 'completed' &&
    !state.serverAuthenticated &&
    start === undefined &&
    msgId === state.lastClientMsgId + 1 &&
    (state.peer ?? '') === peer &&
    input.now - state.lastActivity <= config.sessionTimeoutMs &&
    refusesServerCred(msg)
  ) {
    state = { ...state, phase: 'active', endReason: undefined };
  }
  const opensSession =
    !state || state.phase === 'ended' || !sameSession || (start !== undefined && msgId === 1);
  if (opensSession) {
    if (!start) {
      const out = refuse(
        input,
        STATUS.NOT_FOUND,
        `no open session ${hdr.sessionId} for ${hdr.source.locURI} (package 1 must carry Alert 1200/1201)`,
        events,
      );
      return timedOut ? { ...out, closed: timedOut } : out;
    }
    const guard = state?.authGuard;
    const lockedUntil = guard?.lockedUntil[peer] ?? 0;
    const budgetSpent =
      guard !== undefined &&
      input.now - guard.windowStart < config.authGuessWindowMs &&
      guard.wrong >= config.authGuessBudget &&
      guard.goodPeer !== peer;
    if (lockedUntil > input.now || budgetSpent) {
      const why =
        lockedUntil > input.now
          ? `source ${peer || '(unknown)'} is locked out after ${config.maxAuthFailures} failed attempts`
          : `${guard!.wrong} wrong credentials for this device in ${config.authGuessWindowMs} ms`;
      events.push({
        type: 'auth-failed',
        deviceId: hdr.source.locURI,
        reason: `locked out: ${why}`,
        attempts: state?.authFailures ?? 0,
      });
      return refuse(input, STATUS.UNAUTHORIZED, `device ${hdr.source.locURI}: ${why}`, events);
    }
    if (config.requireHmac && input.account && input.account.clientAuth !== 'hmac') {
      return refuse(
        input,
        STATUS.UNAUTHORIZED,
        `device ${hdr.source.locURI}: this server requires HMAC client authentication`,
        events,
      );
    }
    if (!input.account) {
      events.push({
        type: 'auth-failed',
        deviceId: hdr.source.locURI,
        reason: 'unknown device',
        attempts: 1,
      });
      return refuse(input, STATUS.UNAUTHORIZED, `unknown device ${hdr.source.locURI}`, events);
    }
    if (state && state.phase !== 'ended') events.push(closeSession(state, 'superseded'));
    const initiator = start.data === ALERT.SERVER_INITIATED ? 'server' : 'client';
    const previous = state;
    state = newState(input, input.account, initiator);
    state.peer = peer;
    if (previous?.authGuard) state.authGuard = previous.authGuard;
    // Restarting package 1 with MsgID 1 must not reset the count of failed attempts (of that
    // source: another source's failures are its own).
    if (
      previous &&
      previous.phase !== 'ended' &&
      !previous.authenticated &&
      (previous.peer ?? '') === peer
    )
      state.authFailures = previous.authFailures;
    const notified = input.notificationSessionId;
    events.push({
      type: 'session-started',
      deviceId: state.deviceId,
      sessionId: state.sessionId,
      initiator,
      notificationMatched:
        initiator === 'server' && notified !== undefined && sameSessionId(notified, hdr.sessionId),
    });
  } else if (msgId !== state!.lastClientMsgId + 1) {
    return refuse(
      input,
      STATUS.BAD_REQUEST,
      `MsgID ${msgId} out of order (expected ${state!.lastClientMsgId + 1})`,
      events,
    );
  }
  const account = input.account;
  if (!account)
    return refuse(input, STATUS.UNAUTHORIZED, `unknown device ${hdr.source.locURI}`, events);
  return new ServerTurn(
    input,
    config,
    structuredClone(state!),
    account,
    events,
    msgId,
    bodyHash,
  ).run();
}

/** The message answers the server's SyncHdr (its Cred) with 401 or 407. */
function refusesServerCred(msg: DmMessage): boolean {
  return msg.commands.some(
    (c) =>
      c.kind === 'Status' &&
      c.cmdRef === '0' &&
      (Number(c.data) === STATUS.UNAUTHORIZED || Number(c.data) === STATUS.AUTH_REQUIRED),
  );
}

function refuse(
  input: DmMessageInput,
  status: number,
  reason: string,
  events: DmEvent[],
): Extract<DmMessageOutcome, { kind: 'refused' }> {
  const h = input.message.header;
  const b = new ReplyBuilder(input.message, h.sessionId, 1, h.target.locURI, input.respURI);
  b.headerStatus(status);
  for (const c of input.message.commands)
    if (c.kind !== 'Status' && c.kind !== 'Results') b.statusFor(c, status);
  return { kind: 'refused', reply: b.build(true), status, reason, events };
}

/** One message's worth of work on a cloned state. */
class ServerTurn {
  private readonly reply: ReplyBuilder;
  private readonly claimed: string[] = [];
  private readonly accountUpdate: { clientNonce?: string; serverNonce?: string } = {};
  private clientAsksNext = false;
  private aborted = false;
  /** the device refused the server's credentials `maxAuthFailures` times */
  private serverGaveUp = false;
  /** set when the client rejected the server's credentials in this message */
  private serverRejected = false;
  /** operations to send again, in their original order */
  private readonly requeue: DmOperation[] = [];

  constructor(
    private readonly input: DmMessageInput,
    private readonly config: DmServerConfig,
    private readonly state: DmSessionState,
    private readonly account: DmDeviceAccount,
    private readonly events: DmEvent[],
    private readonly msgId: number,
    bodyHash: string,
  ) {
    state.lastClientMsgId = msgId;
    state.lastRequestHash = bodyHash;
    state.lastActivity = input.now;
    state.serverMsgId += 1;
    const hdr = input.message.header;
    const maxMsg = hdr.meta?.maxMsgSize;
    if (maxMsg !== undefined) state.clientMaxMsgSize = maxMsg;
    const maxObj = hdr.meta?.maxObjSize;
    if (maxObj !== undefined) state.clientMaxObjSize = maxObj;
    this.reply = new ReplyBuilder(
      input.message,
      state.sessionId,
      state.serverMsgId,
      config.serverUri,
      input.respURI,
      {
        maxMsgSize: config.maxMsgSize,
        maxObjSize: config.maxObjSize,
      },
    );
  }

  private fresh(): string {
    return b64(this.input.random(this.config.nonceBytes));
  }

  run(): DmMessageOutcome {
    const s = this.state;
    const verdict = verifyClientAuth({
      account: this.account,
      header: this.input.message.header,
      body: this.input.body,
      hmacHeader: this.input.hmacHeader,
      nonce: s.clientNonce,
      authenticated: s.authenticated,
      allowEmptyNonceAfterAuth: this.config.hmacEmptyNonceAfterAuth,
    });
    if (!verdict.ok) return this.authFailure(verdict.status, verdict.reason);

    const firstAuth = !s.authenticated;
    s.authenticated = true;
    if (firstAuth && s.authGuard) s.authGuard.goodPeer = s.peer ?? '';
    else if (firstAuth)
      s.authGuard = { windowStart: 0, wrong: 0, lockedUntil: {}, goodPeer: s.peer ?? '' };
    if (s.phase === 'authenticating') s.phase = 'active';
    const scheme = this.account.clientAuth;
    if (firstAuth) {
      this.events.push({ type: 'authenticated', deviceId: s.deviceId, scheme });
      // Each successful authentication consumes the nonce; the fresh one is announced below
      // unless this reply ends the session (then the next session starts with a challenge).
      if (scheme === 'md5' || scheme === 'hmac') {
        const next = this.fresh();
        this.accountUpdate.clientNonce = next;
        s.clientNonce = next;
      }
      for (const op of this.input.pending ?? []) {
        s.queue.push(op);
        this.claimed.push(op.id);
      }
    } else if (scheme === 'hmac') {
      const next = this.fresh();
      this.accountUpdate.clientNonce = next;
      s.clientNonce = next;
    }
    this.reply.headerStatus(
      scheme === 'none' ? STATUS.OK : firstAuth ? STATUS.AUTH_ACCEPTED : STATUS.OK,
    );

    this.processCommands(this.input.message.commands);
    this.settleInflight(this.input.message.final);
    return this.compose(scheme === 'md5' ? firstAuth : scheme === 'hmac');
  }

  private authFailure(status: 401 | 407, reason: string): DmMessageOutcome {
    const s = this.state;
    s.authFailures += 1;
    const guard = this.guard();
    if (status === STATUS.UNAUTHORIZED) guard.wrong += 1; // a missing Cred (407) is no guess
    this.events.push({
      type: 'auth-failed',
      deviceId: s.deviceId,
      reason,
      attempts: s.authFailures,
    });
    const exhausted = s.authFailures >= this.config.maxAuthFailures;
    const scheme = this.account.clientAuth === 'none' ? 'basic' : this.account.clientAuth;
    if (exhausted) {
      this.reply.headerStatus(STATUS.UNAUTHORIZED);
      guard.lockedUntil[s.peer ?? ''] = this.input.now + this.config.authLockoutMs;
      s.phase = 'ended';
      s.endReason = 'auth-failed';
      this.events.push({
        type: 'session-ended',
        deviceId: s.deviceId,
        sessionId: s.sessionId,
        reason: 'auth-failed',
        unfinished: unfinishedOperations(s),
      });
      s.queue = [];
    } else {
      const meta: { type: string; format: string; nextNonce?: string } = {
        type: AUTH_TYPE[scheme],
        format: 'b64',
      };
      if (scheme !== 'basic') {
        const next = this.fresh();
        meta.nextNonce = next;
        s.clientNonce = next;
        this.accountUpdate.clientNonce = next;
      }
      this.reply.headerStatus(status, { meta });
    }
    // An authentication failure is answered with Status only (DM Protocol §8.4), one per command.
    for (const c of this.input.message.commands)
      if (c.kind !== 'Status' && c.kind !== 'Results') this.reply.statusFor(c, status);
    return this.finish(this.reply.build(true));
  }

  /** The device's guard with its window rolled and stale lockouts dropped (at most 64 kept). */
  private guard(): AuthGuard {
    const s = this.state;
    const now = this.input.now;
    const g = (s.authGuard ??= { windowStart: now, wrong: 0, lockedUntil: {} });
    if (now - g.windowStart >= this.config.authGuessWindowMs) {
      g.windowStart = now;
      g.wrong = 0;
    }
    const live = Object.entries(g.lockedUntil)
      .filter(([, until]) => until > now)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 64);
    g.lockedUntil = Object.fromEntries(live);
    return g;
  }

  private processCommands(commands: DmCommand[]): void {
    for (const c of commands) {
      switch (c.kind) {
        case 'Status':
          this.onStatus(c);
          break;
        case 'Results':
          this.onResults(c);
          break;
        case 'Alert':
          this.onAlert(c);
          break;
        case 'Replace':
          this.onClientReplace(c as ItemCommand);
          break;
        default:
          // The client may send only Alert, Replace, Results and Status (DM Protocol §6.6).
          this.reply.statusFor(c, STATUS.NOT_ALLOWED);
      }
    }
  }

  private onAlert(c: AlertCommand): void {
    const s = this.state;
    switch (c.data) {
      case ALERT.SERVER_INITIATED:
      case ALERT.CLIENT_INITIATED:
        this.reply.statusFor(c, STATUS.OK);
        break;
      case ALERT.NEXT_MESSAGE:
        this.clientAsksNext = true;
        this.reply.statusFor(c, STATUS.OK);
        break;
      case ALERT.SESSION_ABORT:
        this.aborted = true;
        this.reply.statusFor(c, STATUS.OK);
        break;
      case ALERT.GENERIC:
      case ALERT.CLIENT_EVENT: {
        const alert = { code: Number(c.data), items: c.items.map((i) => toResultItem(i)) } as {
          code: number;
          correlator?: string;
          items: ReturnType<typeof toResultItem>[];
        };
        if (c.correlator !== undefined) alert.correlator = c.correlator;
        this.events.push({ type: 'generic-alert', deviceId: s.deviceId, alert });
        this.reply.statusFor(c, STATUS.OK);
        break;
      }
      default:
        this.reply.statusFor(c, STATUS.NOT_SUPPORTED);
    }
  }

  private onClientReplace(c: ItemCommand): void {
    const s = this.state;
    let devInfoChanged = false;
    for (const item of c.items) {
      const uri = item.source?.locURI ?? item.target?.locURI ?? '';
      if (item.moreData || (s.incoming && !s.incoming.inflightKey && s.incoming.uri === uri)) {
        const done = this.receiveChunk(item, c.meta, undefined);
        if (!done) {
          this.reply.statusFor(c, STATUS.CHUNK_ACCEPTED);
          return;
        }
        if (done.status !== STATUS.OK) {
          this.reply.statusFor(c, done.status);
          return;
        }
        devInfoChanged = this.captureDevInfo(uri, done.item.data ?? '') || devInfoChanged;
        continue;
      }
      if (typeof item.data === 'string' || item.data === undefined) {
        devInfoChanged = this.captureDevInfo(uri, item.data ?? '') || devInfoChanged;
      }
    }
    if (devInfoChanged && s.devInfo)
      this.events.push({ type: 'device-info', deviceId: s.deviceId, info: s.devInfo });
    this.reply.statusFor(c, STATUS.OK);
  }

  private captureDevInfo(uri: string, value: string): boolean {
    const m = /^(?:\.\/)?DevInfo\/(.+)$/.exec(uri);
    if (!m) return false;
    const s = this.state;
    const info: DmDeviceInfo = s.devInfo ?? { nodes: {} };
    info.nodes[`./DevInfo/${m[1]}`] = value;
    switch (m[1]) {
      case 'DevId':
        info.devId = value;
        break;
      case 'Man':
        info.man = value;
        break;
      case 'Mod':
        info.mod = value;
        break;
      case 'DmV':
        info.dmV = value;
        break;
      case 'Lang':
        info.lang = value;
        break;
    }
    s.devInfo = info;
    return true;
  }

  /**
   * Buffers one chunk of an object the client sends in pieces (DM Protocol §10.2). Returns the
   * reassembled item with its status (200 or 424) once the last chunk arrived.
   */
  private receiveChunk(
    item: DmItem,
    cmdMeta: { format?: string; type?: string; size?: number } | undefined,
    inflightKey: string | undefined,
  ): { status: number; item: ReturnType<typeof toResultItem> } | undefined {
    const s = this.state;
    const uri = item.source?.locURI ?? item.target?.locURI ?? '';
    const binary = item.data instanceof Uint8Array;
    const piece =
      item.data === undefined ? '' : typeof item.data === 'string' ? item.data : b64(item.data);
    if (!s.incoming || s.incoming.uri !== uri) {
      const meta = item.meta ?? cmdMeta;
      s.incoming = { uri, parts: [], binary };
      if (inflightKey) s.incoming.inflightKey = inflightKey;
      if (meta?.format !== undefined) s.incoming.format = meta.format;
      if (meta?.type !== undefined) s.incoming.type = meta.type;
      const size = item.meta?.size ?? cmdMeta?.size;
      if (size !== undefined) s.incoming.declaredSize = size;
    }
    s.incoming.parts.push(piece);
    if (item.moreData) return undefined;
    const inc = s.incoming;
    s.incoming = undefined;
    let data: string;
    let size: number;
    if (inc.binary) {
      const buf = Buffer.concat(inc.parts.map((p) => Buffer.from(p, 'base64')));
      data = buf.toString('base64');
      size = buf.length;
    } else {
      data = inc.parts.join('');
      size = Buffer.byteLength(data, 'utf8');
    }
    const result: ReturnType<typeof toResultItem> = { uri, data };
    if (inc.binary) result.binary = true;
    if (inc.format !== undefined) result.format = inc.format;
    if (inc.type !== undefined) result.type = inc.type;
    const status =
      inc.declaredSize !== undefined && inc.declaredSize !== size
        ? STATUS.SIZE_MISMATCH
        : STATUS.OK;
    return { status, item: result };
  }

  private onResults(c: ResultsCommand): void {
    const s = this.state;
    const key = `${c.msgRef ?? s.serverMsgId - 1}:${c.cmdRef}`;
    const target = s.inflight[key];
    if (!target) {
      this.reply.statusFor(c, STATUS.NOT_FOUND);
      return;
    }
    let status: number = STATUS.OK;
    const items: ReturnType<typeof toResultItem>[] = [];
    for (const item of c.items) {
      if (item.moreData || (s.incoming && s.incoming.inflightKey === key)) {
        const done = this.receiveChunk(item, c.meta, key);
        if (!done) {
          target.receiving = true;
          status = STATUS.CHUNK_ACCEPTED;
          continue;
        }
        target.receiving = false;
        status = done.status;
        if (done.status === STATUS.OK) items.push(done.item);
        continue;
      }
      items.push(toResultItem(item, c.meta));
    }
    if (status === STATUS.SIZE_MISMATCH) target.status = STATUS.SIZE_MISMATCH;
    this.addItems(target, items);
    // Status for Results only when it is not 200 (DM RepPro §… ; shared/protocols §3.4).
    if (status !== STATUS.OK) this.reply.statusFor(c, status);
  }

  private addItems(target: InflightCommand, items: ReturnType<typeof toResultItem>[]): void {
    if (!items.length) return;
    target.items = [...(target.items ?? []), ...items];
    if (target.parent) {
      const parent = this.state.inflight[target.parent];
      if (parent?.innerStatus && target.index !== undefined) {
        const slot = parent.innerStatus[target.index] ?? { status: 0 };
        slot.items = [...(slot.items ?? []), ...items];
        parent.innerStatus[target.index] = slot;
      }
    }
  }

  private onStatus(c: StatusCommand): void {
    const s = this.state;
    const code = Number(c.data);
    if (c.cmdRef === '0') {
      this.onHeaderStatus(code, c);
      return;
    }
    const key = `${c.msgRef}:${c.cmdRef}`;
    const target = s.inflight[key];
    if (!target) return;
    if (target.kind === 'chunk') {
      delete s.inflight[key];
      if (code !== STATUS.CHUNK_ACCEPTED && s.outgoing && s.outgoing.opId === target.opId) {
        const out = s.outgoing;
        s.outgoing = undefined;
        this.completeOp(out.opId, { operationId: out.opId, status: code });
      }
      return;
    }
    if ((code === STATUS.UNAUTHORIZED || code === STATUS.AUTH_REQUIRED) && this.serverRejected) {
      // Not an execution result: the device refused our credentials; send the command again.
      if (!target.parent) {
        const op = s.sentOps?.[target.opId];
        if (op) this.requeue.push(op);
        this.dropInflight(key);
      }
      return;
    }
    if (code === STATUS.NOT_FOUND && !target.parent && target.kind === 'Replace') {
      const op = s.sentOps?.[target.opId];
      if (op?.addIfAbsent && op.command.kind === 'Replace') {
        // "set" means Replace, or Add when the node does not exist yet (DM Protocol §6.6.11/§6.6.1).
        this.requeue.push({ id: op.id, command: { ...op.command, kind: 'Add' } });
        this.dropInflight(key);
        return;
      }
    }
    target.status = target.status === STATUS.SIZE_MISMATCH ? target.status : code;
    if (target.parent) {
      const parent = s.inflight[target.parent];
      if (parent?.innerStatus && target.index !== undefined) {
        const slot = parent.innerStatus[target.index] ?? { status: code };
        slot.status = code;
        parent.innerStatus[target.index] = slot;
      }
    }
  }

  private onHeaderStatus(code: number, c: StatusCommand): void {
    const s = this.state;
    const nonce = c.chal?.meta.nextNonce;
    if (nonce !== undefined) this.accountUpdate.serverNonce = nonce;
    if (code === STATUS.AUTH_ACCEPTED) s.serverAuthenticated = true;
    else if (code === STATUS.UNAUTHORIZED || code === STATUS.AUTH_REQUIRED) {
      this.serverRejected = true;
      s.serverAuthenticated = false;
      s.serverAuthFailures += 1;
      const chalType = c.chal?.meta.type;
      if (chalType !== undefined) {
        s.serverChalType = chalType;
        // Answer in the type the device asks for when it is at least as strong as configured.
        const asked = SCHEME_OF_TYPE[chalType.toLowerCase()];
        const current = s.serverAuthScheme ?? this.account.serverAuth;
        if (asked && current !== 'none' && STRENGTH[asked] >= STRENGTH[this.account.serverAuth])
          s.serverAuthScheme = asked;
      }
      this.events.push({
        type: 'server-auth-rejected',
        deviceId: s.deviceId,
        status: code,
        ...(chalType !== undefined ? { chalType } : {}),
      });
      if (s.serverAuthFailures >= this.config.maxAuthFailures) this.serverGaveUp = true;
    }
  }

  private dropInflight(key: string): void {
    const s = this.state;
    delete s.inflight[key];
    for (const [k, f] of Object.entries(s.inflight)) if (f.parent === key) delete s.inflight[k];
  }

  /** Reports every top-level command whose answer is complete. */
  private settleInflight(clientFinal: boolean): void {
    const s = this.state;
    for (const [key, f] of Object.entries(s.inflight)) {
      if (f.parent || f.kind === 'chunk' || f.status === undefined || f.receiving) continue;
      if (f.innerCount !== undefined) {
        const inner = f.innerStatus ?? [];
        const complete = inner.filter((x) => x !== undefined).length >= f.innerCount;
        if (!complete && !clientFinal) continue;
      } else if (f.kind === 'Get' && f.status === STATUS.OK && !f.items && !clientFinal) continue;
      const result: DmOperationResult = { operationId: f.opId, status: f.status };
      if (f.items) result.items = f.items;
      if (f.innerCount !== undefined)
        result.inner = Array.from(
          { length: f.innerCount },
          (_, i) => f.innerStatus?.[i] ?? { status: 0 },
        );
      this.dropInflight(key);
      this.completeOp(f.opId, result);
    }
  }

  private completeOp(opId: string, result: DmOperationResult): void {
    if (this.state.sentOps) delete this.state.sentOps[opId];
    this.events.push({ type: 'operation-result', deviceId: this.state.deviceId, result });
  }

  private compose(announceNonce: boolean): DmMessageOutcome {
    const s = this.state;
    const msg = this.input.message;
    if (this.requeue.length) s.queue = [...this.requeue, ...s.queue];
    this.attachServerCred();
    if (this.serverGaveUp && !this.aborted) {
      // Never a "completed" session: the device would not accept who we are.
      s.phase = 'ended';
      s.endReason = 'server-auth-rejected';
      this.events.push({
        type: 'session-ended',
        deviceId: s.deviceId,
        sessionId: s.sessionId,
        reason: 'server-auth-rejected',
        detail: `the device refused the server's credentials ${s.serverAuthFailures} times (server auth ${s.serverAuthScheme ?? this.account.serverAuth}${s.serverChalType ? `, device asks for ${s.serverChalType}` : ''})`,
        unfinished: unfinishedOperations(s),
      });
      s.queue = [];
      this.reply.alert(ALERT.SESSION_ABORT);
      return this.finish(this.reply.build(true));
    }
    if (this.aborted) {
      s.phase = 'ended';
      this.events.push({
        type: 'session-ended',
        deviceId: s.deviceId,
        sessionId: s.sessionId,
        reason: 'aborted-by-client',
        unfinished: unfinishedOperations(s),
      });
      s.queue = [];
      return this.finish(this.reply.build(true));
    }
    if (!msg.final && !this.clientAsksNext) {
      // The client's package continues (or it is sending a large object): ask for the next message.
      this.reply.alert(ALERT.NEXT_MESSAGE);
      if (announceNonce)
        this.reply.announceNonce(AUTH_TYPE[this.account.clientAuth as 'md5'], s.clientNonce);
      return this.finish(this.reply.build(false));
    }
    if (s.incoming) {
      // A new message arrived while an object was incomplete: it was interrupted (§10.2).
      s.incoming = undefined;
      this.reply.alert(ALERT.NO_END_OF_DATA);
    }
    // The Chal goes in before the commands so that their fitting under MaxMsgSize counts it.
    if (announceNonce)
      this.reply.announceNonce(AUTH_TYPE[this.account.clientAuth as 'md5'], s.clientNonce);
    const more = this.reply.fill(s, this.input.encoding, this.input.measure, (opId, result) =>
      this.completeOp(opId, result),
    );
    const sentCommands = this.reply.commandCount > 0;
    s.serverPackageOpen = more;
    const ends = !sentCommands && !more && !s.outgoing && msg.final;
    if (ends) {
      // The end condition is "only Status, no Chal" (the nonce still rotates in the account).
      if (announceNonce) this.reply.withdrawNonce();
      // Commands the device never answered (no Status by its Final) go back to the queue.
      const unfinished = unfinishedOperations(s);
      s.phase = 'ended';
      s.endReason = 'completed';
      this.events.push({
        type: 'session-ended',
        deviceId: s.deviceId,
        sessionId: s.sessionId,
        reason: 'completed',
        unfinished,
      });
      s.queue = [];
      s.sentOps = {};
      s.inflight = {};
      return this.finish(this.reply.build(true));
    }
    return this.finish(this.reply.build(!more && !this.reply.sendingChunk));
  }

  /** The server's own Cred while the device has not accepted it (DM Security §5.1.1). */
  private attachServerCred(): void {
    const s = this.state;
    const a = this.account;
    const scheme = s.serverAuthScheme ?? a.serverAuth;
    if (s.serverAuthenticated || scheme === 'none' || scheme === 'hmac') return;
    const nonce = this.accountUpdate.serverNonce ?? a.serverNonce;
    const data =
      scheme === 'basic'
        ? basicCredential(a.serverName, a.serverPassword)
        : md5Credential(a.serverName, a.serverPassword, Buffer.from(nonce, 'base64'));
    this.reply.cred({ meta: { type: AUTH_TYPE[scheme], format: 'b64' }, data }, a.serverName);
  }

  private finish(reply: DmMessage): DmMessageOutcome {
    const a = this.account;
    const out: DmMessageOutcome = {
      kind: 'reply',
      reply,
      state: this.state,
      events: this.events,
      claimed: this.claimed,
    };
    if (
      this.accountUpdate.clientNonce !== undefined ||
      this.accountUpdate.serverNonce !== undefined
    )
      out.account = this.accountUpdate;
    if ((this.state.serverAuthScheme ?? a.serverAuth) === 'hmac') {
      out.sign = {
        username: a.serverName,
        password: a.serverPassword,
        nonce: this.accountUpdate.serverNonce ?? a.serverNonce,
      };
      reply.header.source.locName = a.serverName;
    }
    return out;
  }
}

export { isItemCommand };
