import { createHash, timingSafeEqual } from 'node:crypto';
import { asBuffer } from '../bytes';
import { NotificationPackageError } from '../errors';

/**
 * OMA DM 1.2 Notification Initiation Message, "package #0"
 * (OMA-TS-DM_Notification-V1_2_1 §6.2–6.3): digest(16) || trigger-hdr || trigger-body.
 * trigger-hdr = version(10) ui-mode(2) initiator(1) future-use(27) sessionid(16)
 *               server-identifier-length(8) server-identifier.
 */
export const UI_MODES = {
  'not-specified': 0,
  background: 1,
  informative: 2,
  'user-interaction': 3,
} as const;
export type UiModeName = keyof typeof UI_MODES;
const UI_MODE_NAMES: readonly UiModeName[] = [
  'not-specified',
  'background',
  'informative',
  'user-interaction',
];

export type Initiator = 'client' | 'server';

/** The DM 1.2.1 notification text mandates 11 ("1.1"); some handsets want 12 (see vectors). */
export const DEFAULT_NOTIFICATION_VERSION = 11;

const DIGEST_LENGTH = 16;
const FIXED_HEADER_LENGTH = 8;

export interface NotificationPackage0Input {
  /** 10-bit version number (version × 10); default 11. Configurable per device profile. */
  version?: number;
  uiMode?: UiModeName | number;
  /** Default 'server'. */
  initiator?: Initiator | 0 | 1;
  /** 16-bit session id; the client puts it in SyncHdr as upper-case hex. */
  sessionId: number;
  /** The DM server's identifier (DMAcc ServerID / SRVCRED AAuthName), ≤ 255 bytes UTF-8. */
  serverId: string;
  vendorSpecific?: Uint8Array;
  /** SRVCRED AAuthSecret. Never logged. */
  serverPassword: string;
  /** Raw server nonce bytes (SRVCRED AAuthData, base64-decoded); empty when none yet. */
  nonce?: Uint8Array;
}

export interface NotificationPackage0 {
  digest: Uint8Array;
  version: number;
  uiMode: number;
  uiModeName: UiModeName;
  initiator: Initiator;
  /** The 27 reserved bits; 0 from a conforming sender. */
  futureUse: number;
  sessionId: number;
  /** Upper-case hex without leading zeros, as the client writes it in SyncHdr/SessionID. */
  sessionIdHex: string;
  serverId: string;
  vendorSpecific: Uint8Array;
  /** Everything after the digest (the bytes the digest covers). */
  trigger: Uint8Array;
}

function invalid(message: string): never {
  throw new NotificationPackageError('DM_PKG0_INVALID', message);
}

function uiModeValue(ui: UiModeName | number | undefined): number {
  if (ui === undefined) return 0;
  if (typeof ui === 'number') {
    if (!Number.isInteger(ui) || ui < 0 || ui > 3) invalid(`ui-mode must be 0..3, got ${ui}`);
    return ui;
  }
  const v = UI_MODES[ui];
  if (v === undefined) invalid(`unknown ui-mode "${ui}"`);
  return v;
}

function initiatorBit(i: Initiator | 0 | 1 | undefined): number {
  if (i === undefined || i === 'server' || i === 1) return 1;
  if (i === 'client' || i === 0) return 0;
  return invalid(`initiator must be 'client' or 'server', got ${String(i)}`);
}

function md5(data: Uint8Array | string): Buffer {
  return createHash('md5').update(data).digest();
}

/** digest = H( B64(H(server-identifier ":" password)) ":" nonce ":" B64(H(trigger)) ), H = MD5. */
export function computeNotificationDigest(
  serverId: string,
  serverPassword: string,
  nonce: Uint8Array,
  trigger: Uint8Array,
): Buffer {
  const credential = md5(`${serverId}:${serverPassword}`).toString('base64');
  const triggerHash = md5(trigger).toString('base64');
  return createHash('md5')
    .update(`${credential}:`, 'latin1')
    .update(asBuffer(nonce))
    .update(`:${triggerHash}`, 'latin1')
    .digest();
}

export function buildNotificationTrigger(
  input: Omit<NotificationPackage0Input, 'serverPassword' | 'nonce'>,
): Uint8Array {
  const version = input.version ?? DEFAULT_NOTIFICATION_VERSION;
  if (!Number.isInteger(version) || version < 0 || version > 1023) {
    invalid(`version must be a 10-bit number (0..1023), got ${version}`);
  }
  const { sessionId } = input;
  if (!Number.isInteger(sessionId) || sessionId < 0 || sessionId > 0xffff) {
    invalid(`sessionId must be 0..65535, got ${sessionId}`);
  }
  const serverId = Buffer.from(input.serverId, 'utf8');
  if (serverId.length === 0 || serverId.length > 255) {
    invalid(`server identifier must be 1..255 bytes, got ${serverId.length}`);
  }
  const vendor = input.vendorSpecific ?? new Uint8Array(0);
  const out = Buffer.alloc(FIXED_HEADER_LENGTH + serverId.length + vendor.length);
  // version(10) | ui(2) | initiator(1) | future(27): the top 32 bits, then 27-bit future tail.
  const ui = uiModeValue(input.uiMode);
  const top16 = (version << 6) | (ui << 4) | (initiatorBit(input.initiator) << 3);
  out.writeUInt16BE(top16, 0);
  // bytes 2..4 hold the remaining future-use bits (zero)
  out.writeUInt16BE(sessionId, 5);
  out[7] = serverId.length;
  serverId.copy(out, FIXED_HEADER_LENGTH);
  out.set(vendor, FIXED_HEADER_LENGTH + serverId.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Builds digest || trigger (§6.2). */
export function buildNotificationPackage0(input: NotificationPackage0Input): Uint8Array {
  if (typeof input.serverPassword !== 'string') invalid('serverPassword is required');
  const trigger = buildNotificationTrigger(input);
  const digest = computeNotificationDigest(
    input.serverId,
    input.serverPassword,
    input.nonce ?? new Uint8Array(0),
    trigger,
  );
  const out = new Uint8Array(DIGEST_LENGTH + trigger.length);
  out.set(digest, 0);
  out.set(trigger, DIGEST_LENGTH);
  return out;
}

/** Parses package #0 without checking the digest (see verifyNotificationDigest). */
export function parseNotificationPackage0(bytes: Uint8Array): NotificationPackage0 {
  const min = DIGEST_LENGTH + FIXED_HEADER_LENGTH;
  if (bytes.length < min) {
    throw new NotificationPackageError(
      'DM_PKG0_TRUNCATED',
      `package #0 needs at least ${min} bytes, got ${bytes.length}`,
    );
  }
  const b = asBuffer(bytes);
  const h = DIGEST_LENGTH;
  const top32 = b.readUInt32BE(h);
  const version = top32 >>> 22;
  const uiMode = (top32 >>> 20) & 0x3;
  const initiator: Initiator = (top32 >>> 19) & 1 ? 'server' : 'client';
  const futureUse = ((top32 & 0x7ffff) << 8) | b[h + 4];
  const sessionId = b.readUInt16BE(h + 5);
  const idLength = b[h + 7];
  const idEnd = h + FIXED_HEADER_LENGTH + idLength;
  if (idEnd > b.length) {
    throw new NotificationPackageError(
      'DM_PKG0_TRUNCATED',
      `server identifier length ${idLength} exceeds the ${b.length}-byte message`,
    );
  }
  return {
    digest: bytes.slice(0, DIGEST_LENGTH),
    version,
    uiMode,
    uiModeName: UI_MODE_NAMES[uiMode],
    initiator,
    futureUse,
    sessionId,
    sessionIdHex: sessionId.toString(16).toUpperCase(),
    serverId: b.toString('utf8', h + FIXED_HEADER_LENGTH, idEnd),
    vendorSpecific: bytes.slice(idEnd),
    trigger: bytes.slice(DIGEST_LENGTH),
  };
}

export interface NotificationCredentials {
  serverPassword: string;
  nonce?: Uint8Array;
  /** Defaults to the server identifier in the message; set it to check against the account. */
  serverId?: string;
}

/**
 * Client-side digest check (§6.3) for the simulated handset. Throws
 * NotificationPackageError('DM_PKG0_DIGEST_MISMATCH') when the digest is wrong.
 */
export function verifyNotificationDigest(
  pkg0: Uint8Array | NotificationPackage0,
  credentials: NotificationCredentials,
): NotificationPackage0 {
  const parsed = pkg0 instanceof Uint8Array ? parseNotificationPackage0(pkg0) : pkg0;
  const expected = computeNotificationDigest(
    credentials.serverId ?? parsed.serverId,
    credentials.serverPassword,
    credentials.nonce ?? new Uint8Array(0),
    parsed.trigger,
  );
  if (!timingSafeEqual(expected, asBuffer(parsed.digest))) {
    throw new NotificationPackageError(
      'DM_PKG0_DIGEST_MISMATCH',
      `package #0 digest does not match for server "${parsed.serverId}"`,
    );
  }
  return parsed;
}
