import { verifyNotificationDigest, type NotificationPackage0 } from '@dm-bridge/wap-push';
import type { AlertCommand, DmEncoding } from '@dm-bridge/omadm';
import { Agent, request } from 'node:http';
import { buildDefaultTree } from './default-tree';
import {
  acceptedServerNonces,
  DmClientSession,
  type HandsetAuth,
  type HandsetNonces,
  type OutgoingMessage,
  type SessionLog,
} from './dm-client-session';
import type { ManagementTree } from './management-tree';

export interface DmHandsetOptions {
  devId: string;
  /** the DM server URL from the DM account (e.g. the gateway's http://host:port/dm) */
  serverUrl: string;
  serverId: string;
  serverPassword: string;
  clientName: string;
  clientPassword: string;
  clientAuth?: HandsetAuth;
  serverAuth?: HandsetAuth;
  encoding?: DmEncoding;
  maxMsgSize?: number;
  maxObjSize?: number;
  man?: string;
  mod?: string;
  /** starting nonces (base64); default empty (fresh bootstrap) */
  nonces?: Partial<HandsetNonces>;
  /** keep-alive agent to share between many handsets (benchmark) */
  agent?: Agent;
}

export interface SessionSummary extends SessionLog {
  sessionId: string;
  initiator: 'client' | 'server';
}

const defaultAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs one SyncML message and returns the reply (body + headers). */
export function postSyncMl(
  msg: OutgoingMessage,
  agent: Agent = defaultAgent,
): Promise<{
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}> {
  return new Promise((done, fail) => {
    const u = new URL(msg.url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        agent,
        headers: { ...msg.headers, 'content-length': String(msg.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(msg.body);
  });
}

/**
 * A simulated OMA DM 1.2 handset: a management tree, a DM account with credentials and nonces,
 * and an HTTP client that runs whole sessions, started on its own or by a package #0.
 */
export class DmHandset {
  readonly tree: ManagementTree;
  readonly nonces: HandsetNonces;
  readonly sessions: SessionSummary[] = [];
  readonly rejectedNotifications: string[] = [];
  private nextSessionId = 1;
  /** one session at a time, as a real DM client: a package #0 meanwhile is ignored */
  private inSession = false;
  /** a session started by a notification, for tests to await */
  lastSession?: Promise<SessionSummary>;

  constructor(readonly options: DmHandsetOptions) {
    this.tree = buildDefaultTree({
      devId: options.devId,
      man: options.man,
      mod: options.mod,
      serverId: options.serverId,
      serverUrl: options.serverUrl,
      clientName: options.clientName,
      clientPassword: options.clientPassword,
    });
    this.nonces = { client: options.nonces?.client ?? '', server: options.nonces?.server ?? '' };
  }

  private devInfo(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['DevId', 'Man', 'Mod', 'DmV', 'Lang'])
      out[k] = String(this.tree.get(`./DevInfo/${k}`).value);
    return out;
  }

  /** Runs one session to its end and returns what happened. */
  async runSession(
    opts: {
      initiator?: 'client' | 'server';
      sessionId?: string;
      alerts?: Omit<AlertCommand, 'cmdId'>[];
      /** sees (and may replace) every message before it is sent */
      transform?: (m: OutgoingMessage) => OutgoingMessage;
      /** called when the answer to a message arrived */
      onReply?: () => void;
    } = {},
  ): Promise<SessionSummary> {
    const o = this.options;
    const initiator = opts.initiator ?? 'client';
    const sessionId = opts.sessionId ?? (this.nextSessionId++).toString(16).toUpperCase();
    const session = new DmClientSession(
      {
        devId: o.devId,
        encoding: o.encoding ?? 'wbxml',
        serverUrl: o.serverUrl,
        serverId: o.serverId,
        clientAuth: o.clientAuth ?? 'md5',
        clientName: o.clientName,
        clientPassword: o.clientPassword,
        serverAuth: o.serverAuth ?? 'none',
        serverPassword: o.serverPassword,
        maxMsgSize: o.maxMsgSize ?? 16384,
        maxObjSize: o.maxObjSize,
        devInfo: this.devInfo(),
      },
      this.tree,
      this.nonces,
      sessionId,
      initiator,
      opts.alerts,
    );
    let next: OutgoingMessage | undefined = session.start();
    this.inSession = true;
    try {
      for (let guard = 0; next && guard < 200; guard++) {
        const sent = opts.transform ? opts.transform(next) : next;
        const res = await postSyncMl(sent, o.agent);
        opts.onReply?.();
        if (res.status !== 200)
          throw new Error(
            `DM server answered HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`,
          );
        next = session.onReply(res.body, res.headers);
      }
    } finally {
      this.inSession = false;
    }
    const summary = { ...session.log, sessionId, initiator };
    this.sessions.push(summary);
    return summary;
  }

  /**
   * Starts the server-initiated session a package #0 asked for, when the SMS side already checked
   * its digest (OmaDmHandsetFront's `onTrigger`: see `dmClientTrigger`).
   */
  startFromNotification(pkg0: NotificationPackage0): Promise<SessionSummary> {
    // A notification during a session is folded into it, as real clients do: no second session.
    if (this.inSession && this.lastSession) return this.lastSession;
    this.lastSession = this.runSession({ initiator: 'server', sessionId: pkg0.sessionIdHex });
    return this.lastSession;
  }

  /**
   * Package #0 handler (the SMS side calls it): checks the digest against the SRVCRED secret and
   * the nonce this handset issued, then starts a server-initiated session with its session id.
   */
  onNotification(pkg0: Uint8Array | NotificationPackage0): Promise<SessionSummary> | undefined {
    if (this.inSession) return this.lastSession;
    try {
      const parsed = verifyWithAnyNonce(
        pkg0,
        this.options.serverId,
        this.options.serverPassword,
        acceptedServerNonces(this.nonces).map((n) => Buffer.from(n, 'base64')),
      );
      this.lastSession = this.runSession({ initiator: 'server', sessionId: parsed.sessionIdHex });
      return this.lastSession;
    } catch (err) {
      this.rejectedNotifications.push((err as Error).message);
      return undefined;
    }
  }
}

/**
 * Checks a package #0 digest against each nonce the handset accepts (newest first): the one it
 * issued last, and the one the server last proved it holds (see HandsetNonces.serverPrevious).
 */
export function verifyWithAnyNonce(
  pkg0: Uint8Array | NotificationPackage0,
  serverId: string,
  serverPassword: string,
  nonces: Uint8Array[],
): NotificationPackage0 {
  let error: unknown;
  for (const nonce of nonces) {
    try {
      return verifyNotificationDigest(pkg0, { serverId, serverPassword, nonce });
    } catch (err) {
      error = err;
    }
  }
  throw error;
}

/**
 * Every server nonce the handset accepts (raw bytes, newest first), for its SMS side's package
 * #0 check: the newest it issued and the one the server last proved it holds.
 */
export function dmServerNonce(handset: DmHandset): () => Uint8Array[] {
  return () => acceptedServerNonces(handset.nonces).map((n) => Buffer.from(n, 'base64'));
}

/** The callback to give OmaDmHandsetFront as `onTrigger`: a verified package #0 starts a session. */

export function dmClientTrigger(handset: DmHandset): (pkg0: NotificationPackage0) => void {
  return (pkg0) => {
    const running = handset.lastSession;
    const session = handset.startFromNotification(pkg0);
    if (session === running) return; // folded into the session already running (and watched)
    session.catch((err: Error) => handset.rejectedNotifications.push(err.message));
  };
}
