import {
  EngineConfig,
  OPENING_REASONS,
  PhoneState,
  buildDlsMessage,
  sniffNonce,
  WorkpointEvent,
  WorkpointMessage,
  handleWorkpointRequest,
  itemValue,
  normalizeMac,
  parseWorkpointMessage,
} from '@dm-bridge/workpoint';
import { createHash, randomBytes } from 'node:crypto';
import { macOfSession, sessionId } from './cookies';
import { PhoneStateStore } from './phone-state.store';
import type { RegistrationGuard } from './registration-guard';
import { WorkpointConfig } from './workpoint.config';
import { WorkpointJobSource } from './workpoint-job-source';

const plainIp = (ip: string) => ip.replace(/^::ffff:(?=\d+\.)/, '');

/**
 * Session ids from a pool of CSPRNG bytes drawn 4 KiB at a time: the same unguessable bytes as
 * one `randomBytes(9)` per session, without a synchronous entropy call on every opening request.
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function randomSessionPart(): string {
  if (idOffset + 9 > idPool.length) {
    idPool = randomBytes(4095);
    idOffset = 0;
  }
  idOffset += 9;
  return idPool.toString('base64url', idOffset - 9, idOffset);
}

export interface PhoneRequest {
  body: string;
  session?: string;
  ip: string;
  connection: string;
  secure: boolean;
  /** SHA-256 fingerprint of the verified client certificate (secure listener) */
  clientCertFingerprint?: string;
}

export interface PhoneReply {
  body: string;
  /** session cookie to set (interaction open) */
  session?: string;
  /** the request carried a session cookie and the interaction is over: expire it */
  endSession: boolean;
}

/** Follow-ups that need a timer (busy phone, reboot confirmation); the contact-me side provides them. */
export interface WorkpointTimers {
  busyCheck(mac: string): Promise<void>;
  deferredCheck(mac: string): Promise<void>;
}

export interface InteractionLogger {
  warn(msg: Record<string, unknown>): void;
}

/** How long a phone's session lease lasts (SESSION_LOCK_TTL_MS and the two waits after a session). */
export interface LeaseTimes {
  /** renewed at every request of an open session; also what the job source's `work` takes it for */
  sessionMs: number;
  /** after CleanUp + send-solicited: the phone owes a call back (busy-return timeout) */
  solicitedReturnMs: number;
  /** after Restart / deployments: the confirming contact is awaited (deferred timeout) */
  deferredMs: number;
}

/** What to do with the lease once the request's state is stored. */
type LeaseStep =
  | { op: 'hold'; handle: string; session: string; ttlMs: number }
  | { op: 'end'; handle: string; session: string }
  | { op: 'none' };

/**
 * One phone request: find the phone (MAC in the message, else the session cookie, else the
 * source address of its interaction), lock and load its state and — for session-opening
 * requests — its pending work in the same round trip, run the engine, store the state, then
 * hand results and events to the job source.
 */
export class WorkpointInteractionService {
  private readonly engineConfig: Partial<EngineConfig>;
  /** told how each phone request went (opened, continued, ended, unidentified, lock-expired, error) */
  onInteraction?: (outcome: string) => void;

  constructor(
    private readonly config: WorkpointConfig,
    private readonly store: PhoneStateStore,
    private readonly source: WorkpointJobSource,
    private readonly timers: WorkpointTimers,
    private readonly log: InteractionLogger,
    private readonly lease: LeaseTimes,
    private readonly guard?: RegistrationGuard,
  ) {
    this.engineConfig = {
      registrationPolicy: config.registrationPolicy,
      jobsPerInteraction: config.jobsPerInteraction,
      writeByteBudget: config.writeByteBudget,
      rejectionLimit: config.rejectionLimit,
      fragmentLimits: config.fragmentLimits,
    };
  }

  async handle(req: PhoneRequest): Promise<PhoneReply> {
    let message: WorkpointMessage | undefined;
    try {
      message = parseWorkpointMessage(req.body);
    } catch {
      message = undefined; // the engine answers CleanUp and reports why
    }
    const mac =
      normalizeMac(message ? itemValue(message.items, 'mac-addr') : undefined) ??
      macOfSession(req.session) ??
      (await this.store.macForIp(req.ip));
    const now = Date.now();
    const opening = message !== undefined && OPENING_REASONS.has(message.reason);
    const newSession = mac && opening ? sessionId(randomSessionPart(), mac) : '';
    if (!mac) {
      const out = handleWorkpointRequest({
        body: req.body,
        message,
        newSession,
        now,
        transport: { secure: req.secure, clientCertFingerprint: req.clientCertFingerprint },
        config: this.engineConfig,
      });
      await this.emit(out.events);
      this.onInteraction?.('unidentified');
      return { body: out.reply, endSession: Boolean(req.session) };
    }
    const [locked, work] = await Promise.all([
      this.store.lockAndLoad(mac),
      opening ? this.source.work(mac, newSession) : undefined,
    ]);
    const deferredBefore = locked.state?.deferred.length ?? 0;
    let config = this.engineConfig;
    if (opening && !locked.state && !work?.known && this.guard) {
      // a phone nobody announced: budgets, and where it calls from
      const refused = await this.guard.admit(req.ip).catch(async (err) => {
        await this.store.saveAndUnlock(locked, undefined);
        throw err;
      });
      if (refused) {
        await this.store.saveAndUnlock(locked, undefined);
        await this.emit([{ type: 'request-rejected', mac, reason: refused }]);
        return {
          body: buildDlsMessage({ nonce: message!.nonce, action: 'CleanUp', items: [] }),
          endSession: Boolean(req.session),
        };
      }
      if (config.registrationPolicy === 'accept' && !this.guard.trustedSource(req.ip))
        config = { ...config, registrationPolicy: 'quarantine' };
    }
    const prev = locked.state;
    if (
      opening &&
      prev?.interaction &&
      prev.addr &&
      plainIp(prev.addr) !== plainIp(req.ip) &&
      now - prev.lastContactAt < this.config.sessionTtlMs &&
      !req.secure
    ) {
      // the MAC calls from elsewhere while its session from the known address is alive: one of
      // them is not the phone; the open session and the inventory stay as they are
      await this.store.saveAndUnlock(locked, undefined);
      if (work?.lease) await this.source.endSession(work.lease, newSession);
      const reason = `MAC ${mac} called from ${plainIp(req.ip)} while its session from ${plainIp(prev.addr)} is open`;
      await this.emit([
        { type: 'device-conflict', mac, reason },
        { type: 'request-rejected', mac, reason },
      ]);
      return {
        body: buildDlsMessage({ nonce: message!.nonce, action: 'CleanUp', items: [] }),
        endSession: Boolean(req.session),
      };
    }
    // Secrets go in plain mode only to the address the phone registered from (first contact:
    // trust on first use), unless the deployment allows them to anyone.
    const corroborated =
      req.secure ||
      this.config.plainSecrets === 'always' ||
      !prev?.home ||
      plainIp(prev.home) === plainIp(req.ip);
    let out;
    try {
      out = handleWorkpointRequest({
        body: req.body,
        message,
        bodyHash: createHash('sha1').update(req.body).digest('base64'),
        mutableState: true,
        state: locked.state,
        session: req.session,
        connection: req.connection,
        newSession,
        now,
        transport: {
          secure: req.secure,
          clientCertFingerprint: req.clientCertFingerprint,
          corroborated,
        },
        work,
        config,
      });
    } catch (err) {
      this.onInteraction?.('error');
      await this.store.saveAndUnlock(locked, undefined);
      if (work?.lease) await this.source.endSession(work.lease, newSession);
      throw err;
    }
    if (out.state) {
      // an uncorroborated caller does not move where contact-me goes
      if (corroborated) out.state.addr = req.ip;
      out.state.home ??= req.ip;
    }
    const lease = this.leaseStep(locked.state, out.state, work?.lease, newSession, now);
    const open = Boolean(out.state?.interaction);
    const saved = await this.store.saveAndUnlock(
      locked,
      out.state,
      open && opening ? req.ip : undefined,
      this.config.sessionTtlMs,
    );
    if (!saved) {
      // The reply must not carry what the stored state does not know (a write chunk, a
      // certificate): end the phone's session instead; its next opening request starts afresh.
      this.log.warn({ msg: 'phone lock expired before the state was written', mac });
      this.onInteraction?.('lock-expired');
      if (work?.lease) await this.source.endSession(work.lease, newSession);
      return {
        body: buildDlsMessage({
          nonce: message?.nonce ?? sniffNonce(req.body),
          action: 'CleanUp',
          items: [],
        }),
        endSession: Boolean(req.session),
      };
    }
    if (lease.op === 'hold')
      await this.source.holdSession(lease.handle, lease.session, lease.ttlMs);
    else if (lease.op === 'end') await this.source.endSession(lease.handle, lease.session);
    if (out.state && out.state.deferred.length > deferredBefore)
      await this.timers.deferredCheck(mac);
    // CleanUp + send-solicited went out (busy phone, or more jobs chained): watch for its return
    if (out.state?.sendSolicitedAt === now) await this.timers.busyCheck(mac);
    await this.emit(out.events);
    this.onInteraction?.(out.session ? (req.session ? 'continued' : 'opened') : 'ended');
    return {
      body: out.reply,
      session: out.session,
      endSession: !out.session && Boolean(req.session),
    };
  }

  /**
   * The session lease after this request (recorded in `next` before it is stored): held for the
   * open interaction, kept after it while the phone owes a call back or a confirming contact,
   * released otherwise. `taken` is the handle of a lease an opening request took for `opened`.
   */
  private leaseStep(
    before: PhoneState | undefined,
    next: PhoneState | null | undefined,
    taken: string | undefined,
    opened: string,
    now: number,
  ): LeaseStep {
    const current = taken ? { handle: taken, session: opened } : before?.lease;
    if (next === undefined) {
      // state unchanged (retransmission, refused request): a lease taken for it goes back
      return taken ? { op: 'end', handle: taken, session: opened } : { op: 'none' };
    }
    if (!current) return { op: 'none' };
    if (next === null) return { op: 'end', ...current };
    // a phone told to reboot or deploy answers later (or never answers the Restart itself)
    const deferred = next.deferred.length > 0 ? this.lease.deferredMs : 0;
    if (next.interaction) {
      next.lease = { handle: current.handle, session: next.interaction.id };
      const ttlMs = Math.max(deferred, this.lease.sessionMs);
      // just taken by `work` for this very session and for as long: nothing to renew yet
      if (taken && next.interaction.id === opened && ttlMs === this.lease.sessionMs)
        return { op: 'none' };
      return { op: 'hold', ...next.lease, ttlMs };
    }
    const wait = deferred || (next.sendSolicitedAt === now ? this.lease.solicitedReturnMs : 0);
    if (wait > 0) {
      next.lease = current;
      return { op: 'hold', ...current, ttlMs: wait };
    }
    next.lease = undefined;
    return { op: 'end', ...current };
  }

  private async emit(events: WorkpointEvent[]): Promise<void> {
    if (events.length === 0) return;
    await Promise.all(
      events.map(async (e) => {
        try {
          if (e.type === 'job-finished') await this.source.complete(e.mac, e.outcome);
          await this.source.event(e);
        } catch (err) {
          this.log.warn({
            msg: 'workpoint event delivery failed',
            event: e.type,
            error: (err as Error).message,
          });
        }
      }),
    );
  }
}
