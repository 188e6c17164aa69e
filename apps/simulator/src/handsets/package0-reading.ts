import { createHash, timingSafeEqual } from 'node:crypto';
import type { NotificationPackage0 } from '@dm-bridge/wap-push';

/**
 * The simulated handset's own reading of notification package #0 (OMA-TS-DM_Notification §6.2,
 * written from the text, independent of `libs/wap-push`, so a mistake there is not repeated
 * here): digest(128) || version(10) ui-mode(2) initiator(1) future-use(27) sessionid(16)
 * server-identifier-length(8) server-identifier || vendor-specific.
 *
 * digest = H(B64(H(server-identifier ":" password)) ":" nonce ":" B64(H(trigger))), H = MD5, the
 * trigger being every byte after the digest, the nonce the raw server nonce the handset holds.
 */
const UI_NAMES = ['not-specified', 'background', 'informative', 'user-interaction'] as const;

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Parses package #0 and checks its digest against one nonce; throws a readable reason. */
export function readPackage0(
  body: Uint8Array,
  account: { serverId: string; serverPassword: string; nonce: Uint8Array },
): NotificationPackage0 {
  const bytes = Buffer.from(body);
  if (bytes.length < 16 + 8) throw new Error(`package #0 of ${bytes.length} bytes is too short`);
  const digest = bytes.subarray(0, 16);
  const trigger = bytes.subarray(16);
  // the 64 header bits, most significant first
  const hi = trigger.readUInt32BE(0);
  const lo = trigger.readUInt32BE(4);
  const version = hi >>> 22;
  const uiMode = (hi >>> 20) & 0x3;
  const initiatorBit = (hi >>> 19) & 0x1;
  const futureUse = ((hi & 0x7ffff) << 8) | (lo >>> 24);
  const sessionId = (lo >>> 8) & 0xffff;
  const idLength = lo & 0xff;
  if (trigger.length < 8 + idLength)
    throw new Error(`server identifier of ${idLength} bytes runs past the message`);
  const serverIdBytes = trigger.subarray(8, 8 + idLength);
  const serverId = serverIdBytes.toString('utf8');
  if (serverId !== account.serverId)
    throw new Error(`package #0 names server ${serverId}, the account is ${account.serverId}`);
  const b64 = (b: Buffer) => Buffer.from(b.toString('base64'), 'latin1');
  const expected = md5(
    b64(md5(Buffer.from(`${serverId}:${account.serverPassword}`, 'utf8'))),
    Buffer.from(':'),
    Buffer.from(account.nonce),
    Buffer.from(':'),
    b64(md5(trigger)),
  );
  if (!timingSafeEqual(expected, digest)) throw new Error('package #0 digest does not verify');
  return {
    digest: new Uint8Array(digest),
    version,
    uiMode,
    uiModeName: UI_NAMES[uiMode],
    initiator: initiatorBit ? 'server' : 'client',
    futureUse,
    sessionId,
    sessionIdHex: sessionId.toString(16).toUpperCase(),
    serverId,
    vendorSpecific: new Uint8Array(trigger.subarray(8 + idLength)),
    trigger: new Uint8Array(trigger),
  };
}
