/**
 * Typed errors of the WAP push library. Every failure carries a stable `code` so that adapters
 * (HTTP edge, CLI, simulator) can map it without parsing messages.
 */
export type WapPushErrorCode =
  | 'WSP_TRUNCATED'
  | 'WSP_INVALID'
  | 'WSP_UNSUPPORTED'
  | 'WDP_INVALID_OPTIONS'
  | 'WDP_TOO_LARGE'
  | 'WDP_CONCAT_REF_REQUIRED'
  | 'SMS_INVALID_UDH'
  | 'SMS_REASSEMBLY_FAILED'
  | 'CP_INVALID_KEY_MATERIAL'
  | 'CP_UNSUPPORTED_SEC'
  | 'CP_MAC_MISMATCH'
  | 'CP_INVALID_MAC'
  | 'DM_PKG0_INVALID'
  | 'DM_PKG0_TRUNCATED'
  | 'DM_PKG0_DIGEST_MISMATCH'
  | 'PUSH_INVALID_INPUT';

export class WapPushError extends Error {
  constructor(
    readonly code: WapPushErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A WSP PDU could not be decoded (truncated, malformed) or encoded (value out of range). */
export class WspPduError extends WapPushError {}

/** Segmentation options or a datagram are not representable in SMS user data. */
export class WdpSegmentationError extends WapPushError {}

/** SMS user data did not carry a valid UDH, or segments do not form one datagram. */
export class SmsReassemblyError extends WapPushError {}

/** OMA CP security: bad IMSI/PIN, unsupported SEC method, wrong MAC. */
export class CpSecurityError extends WapPushError {}

/** OMA DM notification package #0: malformed, truncated or digest mismatch. */
export class NotificationPackageError extends WapPushError {}

/** High-level push builders were given unusable input. */
export class PushInputError extends WapPushError {}
