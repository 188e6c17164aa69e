import fc from 'fast-check';
import { hex, vectorBytes, vectorsJson } from '../../../test/wap-push/vectors';
import {
  NotificationPackageError,
  buildDmNotificationPush,
  buildNotificationPackage0,
  parseNotificationPackage0,
  verifyNotificationDigest,
} from './index';

const NONCE16 = Uint8Array.from({ length: 16 }, (_, i) => i);
const base = {
  sessionId: 0x1234,
  serverId: 'gw.example',
  serverPassword: 'secret',
  initiator: 'server' as const,
};

const variants = [
  ['dm_pkg0_v11_ui0_empty', 11, 0, new Uint8Array(0)],
  ['dm_pkg0_v11_ui0_nonce16', 11, 0, NONCE16],
  ['dm_pkg0_v12_ui0_empty', 12, 0, new Uint8Array(0)],
  ['dm_pkg0_v12_ui0_nonce16', 12, 0, NONCE16],
  ['dm_pkg0_v11_ui1_nonce16', 11, 1, NONCE16],
] as const;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NotificationPackageError);
    return (e as NotificationPackageError).code;
  }
  throw new Error('expected NotificationPackageError');
}

describe('OMA DM package #0 (DM Notification 1.2.1 §6.2 layout, §6.3 digest)', () => {
  it.each(variants)(
    '%s is byte-exact, with its WSP push and SMS user data',
    (name, version, uiMode, nonce) => {
      const pkg0 = buildNotificationPackage0({ ...base, version, uiMode, nonce });
      expect(hex(pkg0)).toBe(hex(vectorBytes(name)));
      const push = buildDmNotificationPush({ ...base, version, uiMode, nonce });
      expect(hex(push.wsp)).toBe(hex(vectorBytes(`${name}_wsp_push`)));
      expect(push.segments).toHaveLength(1);
      expect(hex(push.segments[0].userData)).toBe(hex(vectorBytes(`${name}_sms_ud`)));
    },
  );

  it('digest input matches the vector intermediates (B64 inside the formula)', () => {
    const v = vectorsJson().dm_pkg0_v11_ui0_nonce16.intermediates;
    const pkg0 = buildNotificationPackage0({
      ...base,
      version: 11,
      uiMode: 'not-specified',
      nonce: NONCE16,
    });
    expect(hex(pkg0.slice(0, 16))).toBe(v.digest);
  });

  it('defaults to version 11, server initiated, ui-mode 0 and an empty nonce', () => {
    expect(
      hex(
        buildNotificationPackage0({
          sessionId: 0x1234,
          serverId: 'gw.example',
          serverPassword: 'secret',
        }),
      ),
    ).toBe(hex(vectorBytes('dm_pkg0_v11_ui0_empty')));
  });

  it('parses the background variant', () => {
    const p = parseNotificationPackage0(vectorBytes('dm_pkg0_v11_ui1_nonce16'));
    expect(p).toMatchObject({
      version: 11,
      uiMode: 1,
      uiModeName: 'background',
      initiator: 'server',
      futureUse: 0,
      sessionId: 0x1234,
      sessionIdHex: '1234',
      serverId: 'gw.example',
    });
    expect(p.vendorSpecific).toHaveLength(0);
    expect(hex(p.digest)).toBe('8c7763f70774ebb957f41da8e1ac396a');
  });

  it('verifies the digest with the password and nonce, and rejects wrong ones', () => {
    const bytes = vectorBytes('dm_pkg0_v11_ui0_nonce16');
    expect(
      verifyNotificationDigest(bytes, { serverPassword: 'secret', nonce: NONCE16 }).sessionId,
    ).toBe(0x1234);
    expect(codeOf(() => verifyNotificationDigest(bytes, { serverPassword: 'secret' }))).toBe(
      'DM_PKG0_DIGEST_MISMATCH',
    );
    expect(
      codeOf(() => verifyNotificationDigest(bytes, { serverPassword: 'wrong', nonce: NONCE16 })),
    ).toBe('DM_PKG0_DIGEST_MISMATCH');
    expect(
      codeOf(() =>
        verifyNotificationDigest(bytes, {
          serverPassword: 'secret',
          nonce: NONCE16,
          serverId: 'other',
        }),
      ),
    ).toBe('DM_PKG0_DIGEST_MISMATCH');
    const tampered = bytes.slice();
    tampered[21] ^= 0x01; // session id byte
    expect(
      codeOf(() =>
        verifyNotificationDigest(tampered, { serverPassword: 'secret', nonce: NONCE16 }),
      ),
    ).toBe('DM_PKG0_DIGEST_MISMATCH');
  });

  it.each([
    [
      'shorter than digest + header',
      vectorBytes('dm_pkg0_v11_ui0_empty').slice(0, 23),
      'DM_PKG0_TRUNCATED',
    ],
    ['server id cut short', vectorBytes('dm_pkg0_v11_ui0_empty').slice(0, 30), 'DM_PKG0_TRUNCATED'],
  ])('parse rejects %s', (_n, bytes, code) => {
    expect(codeOf(() => parseNotificationPackage0(bytes))).toBe(code);
  });

  it.each([
    ['version above 10 bits', { version: 1024 }],
    ['session id above 16 bits', { sessionId: 0x10000 }],
    ['ui-mode 4', { uiMode: 4 }],
    ['an empty server id', { serverId: '' }],
    ['a 256-byte server id', { serverId: 'x'.repeat(256) }],
  ])('build rejects %s', (_n, patch) => {
    expect(codeOf(() => buildNotificationPackage0({ ...base, ...patch }))).toBe('DM_PKG0_INVALID');
  });

  it('build → parse → verify round-trips every field (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('client' as const, 'server' as const),
        fc.integer({ min: 0, max: 0xffff }),
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => Buffer.byteLength(s) <= 255),
        fc.uint8Array({ maxLength: 40 }),
        fc.string(),
        fc.uint8Array({ maxLength: 32 }),
        (
          version,
          uiMode,
          initiator,
          sessionId,
          serverId,
          vendorSpecific,
          serverPassword,
          nonce,
        ) => {
          const bytes = buildNotificationPackage0({
            version,
            uiMode,
            initiator,
            sessionId,
            serverId,
            vendorSpecific,
            serverPassword,
            nonce,
          });
          const p = verifyNotificationDigest(bytes, { serverPassword, nonce });
          expect(p).toMatchObject({
            version,
            uiMode,
            initiator,
            sessionId,
            serverId,
            futureUse: 0,
          });
          expect(hex(p.vendorSpecific)).toBe(hex(vendorSpecific));
          expect(p.sessionIdHex).toBe(sessionId.toString(16).toUpperCase());
        },
      ),
    );
  });
});
