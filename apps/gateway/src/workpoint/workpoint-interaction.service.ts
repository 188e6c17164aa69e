import {
  EngineConfig,
  OPENING_REASONS,
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
import { WorkpointConfig } from './workpoint.config';
import { WorkpointJobSource } from './workpoint-job-source';

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

/**
 * One phone request: find the phone (MAC in the message, else the session cookie, else the
 * source address of its interaction), lock and load its state and — for session-opening
 * requests — its pending work in the same round trip, run the engine, store the state, then
 * hand results and events to the job source.
 */
export class WorkpointInteractionService {
  private readonly engineConfig: Partial<EngineConfig>;

  constructor(
    private readonly config: WorkpointConfig,
    private readonly store: PhoneStateStore,
    private readonly source: WorkpointJobSource,
    private readonly timers: WorkpointTimers,
    private readonly log: InteractionLogger,
  ) {
    this.engineConfig = {
      registrationPolicy: config.registrationPolicy,
      jobsPerInteraction: config.jobsPerInteraction,
      writeByteBudget: config.writeByteBudget,
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
    const newSession = mac && opening ? sessionId(randomBytes(9).toString('base64url'), mac) : '';
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
      return { body: out.reply, endSession: Boolean(req.session) };
    }
    const [locked, work] = await Promise.all([
      this.store.lockAndLoad(mac),
      opening ? this.source.work(mac) : undefined,
    ]);
    const deferredBefore = locked.state?.deferred.length ?? 0;
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
        transport: { secure: req.secure, clientCertFingerprint: req.clientCertFingerprint },
        work,
        config: this.engineConfig,
      });
    } catch (err) {
      await this.store.saveAndUnlock(locked, undefined);
      throw err;
    }
    const open = Boolean(out.state?.interaction);
    const saved = await this.store.saveAndUnlock(
      locked,
      out.state,
      open && opening ? req.ip : undefined,
      this.config.sessionTtlMs,
    );
    if (!saved) this.log.warn({ msg: 'phone lock expired before the state was written', mac });
    if (out.state && out.state.deferred.length > deferredBefore)
      await this.timers.deferredCheck(mac);
    // CleanUp + send-solicited went out (busy phone, or more jobs chained): watch for its return
    if (out.state?.sendSolicitedAt === now) await this.timers.busyCheck(mac);
    await this.emit(out.events);
    return {
      body: out.reply,
      session: out.session,
      endSession: !out.session && Boolean(req.session),
    };
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
