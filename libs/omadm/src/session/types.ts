import type {
  AlertCommand,
  ContainerCommand,
  DmData,
  DmItem,
  ItemCommand,
  SyncMlVersion,
} from '../message/types';

/** Client authentication schemes the server can require from a device (CLCRED AAuthType). */
export type DmClientAuthScheme = 'none' | 'basic' | 'md5' | 'hmac';
/** How the server proves itself to the device (SRVCRED): none, Cred in SyncHdr, or HMAC header. */
export type DmServerAuthScheme = 'none' | 'basic' | 'md5' | 'hmac';

/** The per-device DM account as the server knows it. Nonces are base64 of the raw bytes. */
export interface DmDeviceAccount {
  deviceId: string;
  clientAuth: DmClientAuthScheme;
  clientName: string;
  clientPassword: string;
  /** nonce the server issued to the client (the client hashes its creds with it) */
  clientNonce: string;
  serverAuth: DmServerAuthScheme;
  serverName: string;
  serverPassword: string;
  /** nonce the client issued to the server (the server's Cred and package #0 digests use it) */
  serverNonce: string;
}

/** A server command to run in a session, without CmdIDs (the engine numbers them per message). */
export type DmServerCommand =
  | Omit<ItemCommand, 'cmdId'>
  | Omit<AlertCommand, 'cmdId'>
  | (Omit<ContainerCommand, 'cmdId' | 'commands'> & { commands: DmServerCommand[] });

export interface DmOperation {
  id: string;
  command: DmServerCommand;
  /**
   * For a Replace: when the device answers 404 (node absent), send the same item as an Add in the
   * next message of the session and report that command's status instead.
   */
  addIfAbsent?: boolean;
}

export interface DmResultItem {
  uri: string;
  format?: string;
  type?: string;
  /** text value; binary values are base64 with `binary: true` */
  data?: string;
  binary?: boolean;
}

export interface DmOperationResult {
  operationId: string;
  /** SyncML status code of the command (0 when the device never answered it) */
  status: number;
  items?: DmResultItem[];
  /** statuses of the commands inside an Atomic/Sequence, in order */
  inner?: { status: number; items?: DmResultItem[] }[];
}

export interface DmDeviceInfo {
  devId?: string;
  man?: string;
  mod?: string;
  dmV?: string;
  lang?: string;
  /** every ./DevInfo/... leaf the device sent, by URI */
  nodes: Record<string, string>;
}

export interface DmGenericAlert {
  code: number;
  correlator?: string;
  items: DmResultItem[];
}

export type DmSessionEndReason =
  | 'completed'
  | 'aborted-by-client'
  | 'auth-failed'
  | 'server-auth-rejected'
  | 'superseded'
  | 'timeout';

export type DmEvent =
  | {
      type: 'session-started';
      deviceId: string;
      sessionId: string;
      initiator: 'client' | 'server';
      notificationMatched: boolean;
    }
  | { type: 'device-info'; deviceId: string; info: DmDeviceInfo }
  | { type: 'authenticated'; deviceId: string; scheme: DmClientAuthScheme }
  | { type: 'auth-failed'; deviceId: string; reason: string; attempts: number }
  | {
      type: 'server-auth-rejected';
      deviceId: string;
      status: number;
      /** the auth type the device's Chal asked for, when it sent one */
      chalType?: string;
    }
  | { type: 'operation-result'; deviceId: string; result: DmOperationResult }
  | { type: 'generic-alert'; deviceId: string; alert: DmGenericAlert }
  | {
      type: 'session-ended';
      deviceId: string;
      sessionId: string;
      reason: DmSessionEndReason;
      /** readable cause for ends other than `completed` (e.g. the Chal type a device insisted on) */
      detail?: string;
      unfinished: DmOperation[];
    };

/** What the server sent and still waits a Status for, keyed `${serverMsgId}:${cmdId}`. */
export interface InflightCommand {
  opId: string;
  kind: string;
  /** key of the enclosing Atomic/Sequence when this is an inner command, with its position */
  parent?: string;
  index?: number;
  /** number of inner commands (containers only) */
  innerCount?: number;
  status?: number;
  items?: DmResultItem[];
  innerStatus?: ({ status: number; items?: DmResultItem[] } | undefined)[];
  /** a Results with MoreData is still being reassembled for this command */
  receiving?: boolean;
}

/** An object the device is sending in chunks (Results or Replace with MoreData). */
export interface IncomingObject {
  inflightKey?: string;
  uri: string;
  format?: string;
  type?: string;
  declaredSize?: number;
  /** chunks so far: text, or base64 of raw chunks when `binary` */
  parts: string[];
  binary: boolean;
}

/** A server command too large for one message, being sent chunk by chunk. */
export interface OutgoingObject {
  opId: string;
  command: Omit<ItemCommand, 'cmdId'>;
  /** the whole value as base64 of its transmitted bytes */
  payloadB64: string;
  binary: boolean;
  offset: number;
  total: number;
}

export type DmSessionPhase = 'authenticating' | 'active' | 'ended';

/** Everything a session needs between messages; JSON, stored in Redis by the adapter. */
export interface DmSessionState {
  v: 1;
  deviceId: string;
  sessionId: string;
  version: SyncMlVersion;
  initiator: 'client' | 'server';
  phase: DmSessionPhase;
  endReason?: DmSessionEndReason;
  startedAt: number;
  lastActivity: number;
  authenticated: boolean;
  authFailures: number;
  /** nonce in force for this session's client auth (base64); HMAC rotates it every reply */
  clientNonce: string;
  /** source address of the message that opened the session (continuation binding) */
  peer?: string;
  /** failed authentications of this device across sessions, by source (see AuthGuard) */
  authGuard?: AuthGuard;
  serverAuthenticated: boolean;
  serverAuthFailures: number;
  /**
   * How the server proves itself in this session: the account's `serverAuth`, or the stronger
   * type the device's Chal asked for (basic < md5 < hmac; never weaker than configured).
   */
  serverAuthScheme?: DmServerAuthScheme;
  /** the auth type of the device's last Chal of the server's credentials */
  serverChalType?: string;
  clientMaxMsgSize?: number;
  clientMaxObjSize?: number;
  lastClientMsgId: number;
  lastRequestHash?: string;
  serverMsgId: number;
  queue: DmOperation[];
  inflight: Record<string, InflightCommand>;
  incoming?: IncomingObject;
  outgoing?: OutgoingObject;
  /** commands of the server's current package not sent yet because the message was full */
  serverPackageOpen: boolean;
  /** operations sent and not answered yet, by id (to put them back if the session dies) */
  sentOps?: Record<string, DmOperation>;
  devInfo?: DmDeviceInfo;
}

/**
 * Lockout that a third party cannot aim at the device: failed authentications are counted per
 * source address, and a source that exhausted `maxAuthFailures` is locked out (`lockedUntil`);
 * other sources keep trying with their own credentials. Wrong guesses of all sources together
 * are bounded by `authGuessBudget` per `authGuessWindowMs`; once spent, only the source that last
 * authenticated successfully (`goodPeer`) is heard until the window passes.
 */
export interface AuthGuard {
  windowStart: number;
  wrong: number;
  /** source address -> epoch ms until which it is refused */
  lockedUntil: Record<string, number>;
  goodPeer?: string;
}

export interface DmServerConfig {
  /** Source/LocURI of the server in its SyncHdr (its DM URL) */
  serverUri: string;
  /** largest message the server accepts (advertised as MaxMsgSize) */
  maxMsgSize: number;
  maxObjSize: number;
  /** failed authentication attempts tolerated in one session before it is closed */
  maxAuthFailures: number;
  /**
   * Koneki computes HMACs after the first one with an empty nonce. Accept such a MAC only inside a
   * session that already authenticated with a real nonce (see docs/omadm.md).
   */
  hmacEmptyNonceAfterAuth: boolean;
  /** nonce length in bytes (>= 16 recommended) */
  nonceBytes: number;
  /** idle time after which a session is over (the spec defines none) */
  sessionTimeoutMs: number;
  /** after a session closed for failed authentication, new sessions are refused this long */
  authLockoutMs: number;
  /** wrong credentials accepted per device (all sources together) in one window */
  authGuessBudget: number;
  authGuessWindowMs: number;
  /** later messages of a session must come from the source of its first message */
  bindSessionToPeer: boolean;
  /** refuse sessions of accounts whose client auth is not HMAC (every message MACed) */
  requireHmac: boolean;
}

export const DEFAULT_DM_SERVER_CONFIG: Omit<DmServerConfig, 'serverUri'> = {
  maxMsgSize: 65536,
  maxObjSize: 1048576,
  maxAuthFailures: 3,
  hmacEmptyNonceAfterAuth: true,
  nonceBytes: 16,
  sessionTimeoutMs: 120_000,
  authLockoutMs: 60_000,
  authGuessBudget: 10,
  authGuessWindowMs: 60_000,
  bindSessionToPeer: true,
  requireHmac: false,
};

export type { DmData, DmItem };
