import {
  DEFAULT_DM_SERVER_CONFIG,
  closeSession,
  DmProtocolError,
  decodeDmMessage,
  encodeDmMessage,
  encodingOfContentType,
  formatHmacHeader,
  handleClientMessage,
  hmacDigest,
  startAlertOf,
  type DmEncoding,
  type DmEvent,
  type DmMessage,
  type DmServerConfig,
  type DmSessionState,
} from '@dm-bridge/omadm';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DmConfig } from './dm.config';
import type { DmOperationSource, DmReleaseCause } from './dm-operation-source';
import type { DmSessionStore } from './dm-session.store';

const COMMIT_ATTEMPTS = 3;
/** Content-Encoding values that are not encodings at all (Koneki sends `UTF-8`). */
const HARMLESS_CONTENT_ENCODINGS = new Set(['utf-8', 'utf8', 'identity']);

/** Nonces from a pool of random bytes: one getrandom call per 256 nonces instead of one each. */
let pool = Buffer.alloc(0);
let poolOffset = 0;
function pooledRandom(n: number): Uint8Array {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(Math.max(4096, n));
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

/** The fault a session end leaves on the jobs it gives back. */
function releaseCause(e: Extract<DmEvent, { type: 'session-ended' }>): DmReleaseCause {
  if (e.reason === 'server-auth-rejected')
    return { code: 'server-auth-rejected', message: e.detail ?? 'the device refused the server' };
  if (e.reason === 'auth-failed')
    return { code: 'auth-failed', message: 'the device failed to authenticate' };
  return {
    code: 'session-ended',
    message: `the DM session ended (${e.reason}) before every command was answered`,
  };
}

/** The lock owner token of one session: any process derives it from the stored state. */
export function sessionOwner(state: DmSessionState): string {
  return `dm:${state.sessionId}:${state.startedAt}`;
}

export class DmHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'DmHttpError';
  }
}

function sniffEncoding(body: Buffer): DmEncoding | undefined {
  if (body.length === 0) return undefined;
  const b = body[0];
  if (b === 0x3c || b === 0xef || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)
    return 'xml';
  if (b >= 0x01 && b <= 0x03) return 'wbxml';
  return undefined;
}

const CANONICAL_TYPE: Record<DmEncoding, string> = {
  wbxml: 'application/vnd.syncml.dm+wbxml',
  xml: 'application/vnd.syncml.dm+xml',
};

export interface DmLog {
  warn(msg: Record<string, unknown>): void;
}

/**
 * Builds and stores the account of a DevId that has none yet from its device record, if one
 * names that DevId (records stored before accounts followed them); true when it stored one.
 */
export type DmAccountBackfill = (devId: string) => Promise<boolean>;

/**
 * The SyncML DM endpoint: raw HTTP body in, engine in the middle, Redis for everything that must
 * survive between messages. Any gateway process can serve any message of any session.
 */
export class DmHttpEndpoint {
  readonly serverConfig: DmServerConfig;
  /** told when a device's session is open after a message served here, or over (shutdown drain) */
  onSessionState?: (deviceId: string, open: boolean) => void;
  /** told once per session that ends, with why (completed, timeout, auth-failed…), for metrics */
  onSessionEnded?: (reason: string) => void;
  /** where nonces come from (tests replaying captures pin the nonce a capture's stub issued) */
  random: (bytes: number) => Uint8Array = pooledRandom;

  constructor(
    private readonly config: DmConfig,
    private readonly store: DmSessionStore,
    private source: DmOperationSource,
    /** the device listener's public base URL (PUBLIC_BASE_URL), without trailing slash */
    private readonly publicBaseUrl: () => string,
    private readonly log?: DmLog,
    private readonly backfillAccount?: DmAccountBackfill,
  ) {
    this.serverConfig = {
      ...DEFAULT_DM_SERVER_CONFIG,
      serverUri: '',
      maxMsgSize: config.maxMsgSize,
      maxObjSize: config.maxObjSize,
      maxAuthFailures: config.maxAuthFailures,
      authLockoutMs: config.authLockoutMs,
      hmacEmptyNonceAfterAuth: config.hmacEmptyNonceAfterAuth,
      sessionTimeoutMs: config.sessionTimeoutMs,
      authGuessBudget: config.authGuessBudget,
      authGuessWindowMs: config.authGuessWindowMs,
      bindSessionToPeer: config.bindSessionToPeer,
      requireHmac: config.requireHmac,
    };
  }

  /** Swaps where operations come from (core plugs its job store in; the benchmark a fixed load). */
  useOperationSource(source: DmOperationSource): void {
    this.source = source;
  }

  get serverUri(): string {
    return `${this.publicBaseUrl()}${this.config.path}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    try {
      const out = await this.process(req.headers, body, this.peerOf(req));
      const headers: Record<string, string | number> = {
        'content-type': out.contentType,
        'content-length': out.body.length,
      };
      if (out.hmac) headers['x-syncml-hmac'] = out.hmac;
      res.writeHead(200, headers);
      res.end(out.body);
    } catch (err) {
      if (!(err instanceof DmHttpError)) throw err;
      const text = Buffer.from(`${err.message}\n`);
      res.writeHead(err.httpStatus, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': text.length,
      });
      res.end(text);
    }
  }

  /**
   * The request's source: the TCP peer, or the first address of DM_PEER_HEADER (e.g.
   * `x-forwarded-for`) when a reverse proxy in front of the listener sets it.
   */
  private peerOf(req: IncomingMessage): string {
    const name = this.config.peerHeader;
    const forwarded = name ? req.headers[name] : undefined;
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    return first || req.socket.remoteAddress || '';
  }

  /** The transport-independent part: request headers, body and source in, reply bytes out. */
  async process(
    headers: IncomingMessage['headers'],
    body: Buffer,
    peer?: string,
  ): Promise<{ body: Buffer; contentType: string; hmac?: string }> {
    const ctHeader = headers['content-type'];
    let encoding = encodingOfContentType(ctHeader);
    let contentType = ctHeader ? ctHeader.split(';', 1)[0].trim().toLowerCase() : '';
    if (!encoding) {
      if (
        ctHeader &&
        !/^(application\/octet-stream|text\/xml|application\/xml)$/i.test(contentType)
      ) {
        throw new DmHttpError(
          415,
          `unsupported content type ${JSON.stringify(ctHeader)} (expected application/vnd.syncml.dm+wbxml or +xml)`,
        );
      }
      encoding = sniffEncoding(body);
      if (!encoding) throw new DmHttpError(415, 'body is neither SyncML XML nor WBXML');
      contentType = CANONICAL_TYPE[encoding];
    }
    const ce = headers['content-encoding'];
    if (ce && !HARMLESS_CONTENT_ENCODINGS.has(ce.trim().toLowerCase())) {
      throw new DmHttpError(415, `content encoding ${JSON.stringify(ce)} is not supported`);
    }
    if (body.length === 0) throw new DmHttpError(400, 'empty body');

    let message: DmMessage;
    try {
      message = decodeDmMessage(body, encoding);
    } catch (err) {
      if (err instanceof DmProtocolError)
        throw new DmHttpError(400, `malformed SyncML: ${err.message}`);
      throw err;
    }
    const deviceId = message.header.source.locURI;
    if (!deviceId) throw new DmHttpError(400, 'SyncHdr Source/LocURI is empty');
    const hmacHeader = headers['x-syncml-hmac'];
    const opens = startAlertOf(message) !== undefined;
    const serverConfig = { ...this.serverConfig, serverUri: this.serverUri };
    const respURI = `${serverConfig.serverUri}?s=${encodeURIComponent(message.header.sessionId)}`;
    const measure = (m: DmMessage) => encodeDmMessage(m, encoding).length;

    let backfilled = false;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const [loaded, pending] = await Promise.all([
        this.store.load(deviceId),
        opens ? this.source.pending(deviceId) : Promise.resolve(undefined),
      ]);
      if (!loaded.account && opens && !backfilled && this.backfillAccount) {
        backfilled = true;
        if (await this.backfillAccount(deviceId)) {
          attempt--;
          continue;
        }
      }
      const outcome = handleClientMessage(
        {
          now: Date.now(),
          state: loaded.session.state,
          account: loaded.account,
          message,
          body,
          encoding,
          hmacHeader: Array.isArray(hmacHeader) ? hmacHeader[0] : hmacHeader,
          respURI,
          pending,
          notificationSessionId: loaded.notificationSessionId,
          random: this.random,
          peer,
          measure,
        },
        serverConfig,
      );
      if (outcome.kind === 'retransmission') {
        const s = loaded.session;
        if (!s.reply) throw new DmHttpError(409, 'retransmission of a message whose reply is gone');
        return { body: s.reply, contentType: s.contentType ?? contentType, hmac: s.hmac };
      }
      if (outcome.kind === 'refused') {
        this.log?.warn({
          msg: 'DM message refused',
          deviceId,
          status: outcome.status,
          reason: outcome.reason,
        });
        if (outcome.closed) {
          // The message found its session timed out: store it closed (once) before releasing its work.
          const stored = await this.store.closeIdle(
            deviceId,
            loaded.session.version,
            outcome.closed,
            this.config.endedRetentionMs,
          );
          if (!stored) continue;
        }
        // Unknown devices get the log line only: their events would let anyone create keys.
        if (loaded.account) await this.deliver(deviceId, '', [], outcome.events);
        if (outcome.closed) await this.source.endLease(deviceId, sessionOwner(outcome.closed));
        if (outcome.closed) this.onSessionState?.(deviceId, false);
        return { body: Buffer.from(encodeDmMessage(outcome.reply, encoding)), contentType };
      }
      const replyBytes = Buffer.from(encodeDmMessage(outcome.reply, encoding));
      let hmac: string | undefined;
      if (outcome.sign) {
        const { username, password, nonce } = outcome.sign;
        hmac = formatHmacHeader({
          username,
          mac: hmacDigest(username, password, Buffer.from(nonce, 'base64'), replyBytes),
        });
      }
      const ended = outcome.state.phase === 'ended';
      const committed = await this.store.commit({
        deviceId,
        expectedVersion: loaded.session.version,
        state: outcome.state,
        reply: replyBytes,
        contentType,
        hmac,
        ttlMs: ended
          ? Math.max(
              this.config.endedRetentionMs,
              outcome.state.endReason === 'auth-failed' ? this.config.authLockoutMs : 0,
            )
          : this.config.sessionTimeoutMs + 30_000,
        idleDeadline: ended ? undefined : outcome.state.lastActivity + this.config.sessionTimeoutMs,
        clientNonce: outcome.account?.clientNonce,
        serverNonce: outcome.account?.serverNonce,
      });
      if (!committed) continue; // another process advanced this device meanwhile: re-read and redo
      await this.holdLock(deviceId, loaded.session.state, outcome.state);
      await this.deliver(deviceId, outcome.state.sessionId, outcome.claimed, outcome.events);
      if (ended) await this.source.endLease(deviceId, sessionOwner(outcome.state));
      this.onSessionState?.(deviceId, !ended);
      return { body: replyBytes, contentType, hmac };
    }
    throw new DmHttpError(503, 'session busy: concurrent messages for this device');
  }

  /**
   * Closes sessions whose device went quiet (it may never come back): their unanswered operations
   * go back to the queue. Safe to run in every process: the close is a compare-and-set. Each shard
   * has its own index of open sessions; one sweep looks at up to `perShard` of each.
   */
  async sweepIdleSessions(now = Date.now(), perShard = 100): Promise<number> {
    const shards = Array.from({ length: this.store.shardCount }, (_, k) => k);
    const idle = await Promise.all(shards.map((k) => this.store.idleSessions(now, perShard, k)));
    let closed = 0;
    for (const deviceId of idle.flat()) {
      const loaded = await this.store.load(deviceId);
      const state = loaded.session.state;
      if (!state || state.phase === 'ended') {
        await this.store.forgetActive(deviceId);
        continue;
      }
      if (now - state.lastActivity <= this.config.sessionTimeoutMs) continue;
      const event = closeSession(state, 'timeout');
      const ended = {
        ...state,
        phase: 'ended' as const,
        endReason: 'timeout' as const,
        queue: [],
        inflight: {},
        sentOps: {},
      };
      if (
        !(await this.store.closeIdle(
          deviceId,
          loaded.session.version,
          ended,
          this.config.endedRetentionMs,
        ))
      )
        continue;
      await this.deliver(deviceId, state.sessionId, [], [event]);
      await this.source.endLease(deviceId, sessionOwner(state));
      closed++;
    }
    return closed;
  }

  /**
   * The device's session lock follows the stored session: an authenticated open session holds
   * it (taken over from an older session, renewed at every message) before it claims any work,
   * so the watchdog never finds this session's jobs `in-session` without a holder while the
   * device keeps talking. A new session that has not authenticated yet claims nothing; it only
   * frees the lock of the session it replaced. Ends are handled after the delivery (the
   * unfinished operations go back first).
   */
  private async holdLock(
    deviceId: string,
    before: DmSessionState | undefined,
    after: DmSessionState,
  ): Promise<void> {
    const owner = sessionOwner(after);
    const replaced =
      before && before.phase !== 'ended' && sessionOwner(before) !== owner
        ? sessionOwner(before)
        : undefined;
    if (after.phase !== 'ended' && after.authenticated) {
      await this.source.lease(deviceId, owner);
      return;
    }
    if (replaced) await this.source.endLease(deviceId, replaced);
  }

  /** Hands claims, results and events to the operation source once the state is stored. */
  private async deliver(
    deviceId: string,
    sessionId: string,
    claimed: string[],
    events: DmEvent[],
  ): Promise<void> {
    // Returns first: a superseded session's operations go back before the new one claims its own.
    for (const e of events) {
      if (e.type !== 'session-ended') continue;
      this.onSessionEnded?.(e.reason);
      const cause = releaseCause(e);
      if (e.reason === 'server-auth-rejected' || e.reason === 'auth-failed')
        this.log?.warn({ msg: 'DM session ended: authentication', deviceId, ...cause });
      if (e.unfinished.length) await this.source.release(deviceId, e.unfinished, cause);
    }
    const work: Promise<void>[] = [];
    if (claimed.length) work.push(this.source.claim(deviceId, sessionId, claimed));
    for (const e of events) {
      work.push(
        e.type === 'operation-result'
          ? this.source.complete(deviceId, e.result)
          : this.source.event(e),
      );
    }
    await Promise.all(work);
  }
}
