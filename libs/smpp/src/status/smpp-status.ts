import * as smpp from 'smpp';

/**
 * What the bind does with a non-zero command_status in submit_sm_resp:
 * throttle (pause the whole connection), temporary (retry this message with back-off) or
 * permanent (the message can never go through as it is: the push fails at once).
 */
export type StatusClass = 'throttle' | 'temporary' | 'permanent';

const NAMES = new Map<number, string>();
for (const [name, code] of Object.entries((smpp as any).errors as Record<string, number>)) {
  NAMES.set(code, name);
}

export function smppStatusName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

/** 0x58 ESME_RTHROTTLED, 0x14 ESME_RMSGQFUL: the SMSC asks us to slow down. */
export const THROTTLE_STATUSES: ReadonlySet<number> = new Set([0x58, 0x14]);

/** Conditions SMPP 3.4 §5.1.3 and operator practice treat as transient. */
export const TEMPORARY_STATUSES: ReadonlySet<number> = new Set([
  0x08, // ESME_RSYSERR
  0x45, // ESME_RSUBMITFAIL
  0x64, // ESME_RX_T_APPN
  0x66, // ESME_RX_R_APPN
  0xfe, // ESME_RDELIVERYFAILURE
  0xff, // ESME_RUNKNOWNERR
  0x04, // ESME_RINVBNDSTS: the SMSC lost our bind state; a rebind fixes it
]);

export function classifySmppStatus(status: number): StatusClass {
  if (THROTTLE_STATUSES.has(status)) return 'throttle';
  if (TEMPORARY_STATUSES.has(status)) return 'temporary';
  return 'permanent';
}

/** Words for the permanent statuses an operator meets most; others are named only. */
const MEANING: Record<number, string> = {
  0x01: 'message length is invalid',
  0x0a: 'invalid source address',
  0x0b: 'invalid destination address',
  0x0c: 'message id is invalid',
  0x0d: 'bind failed',
  0x0e: 'invalid password',
  0x0f: 'invalid system id',
  0x33: 'invalid number of destinations',
  0x42: 'invalid destination flag',
  0x48: 'invalid source address TON',
  0x49: 'invalid source address NPI',
  0x50: 'invalid destination address TON',
  0x51: 'invalid destination address NPI',
  0x53: 'invalid system_type',
  0x61: 'invalid scheduled delivery time',
  0x62: 'invalid validity period',
  0x65: 'permanent application error (e.g. barred or unknown subscriber)',
};

/** Stable failure code of a permanent SMSC refusal, e.g. `smsc-ESME_RINVDSTADR`. */
export function smscFailureCode(status: number): string {
  return `smsc-${smppStatusName(status)}`;
}

/** A readable sentence for a refused submit_sm. */
export function describeSmppStatus(status: number): string {
  const hex = `0x${status.toString(16).padStart(8, '0')}`;
  const meaning = MEANING[status];
  return `SMSC refused submit_sm with ${smppStatusName(status)} (${hex})${meaning ? `: ${meaning}` : ''}`;
}

/** A submit the SMSC refused for good; `statusName` is the SMPP name (e.g. ESME_RINVDSTADR). */
export class SmppSubmitError extends Error {
  override readonly name = 'SmppSubmitError';
  readonly statusName: string;
  /** Stable failure code, e.g. `smsc-ESME_RINVDSTADR`. */
  readonly code: string;
  constructor(
    readonly status: number,
    readonly attempts: number,
    why?: string,
  ) {
    super(why ?? describeSmppStatus(status));
    this.statusName = smppStatusName(status);
    this.code = smscFailureCode(status);
  }
}

/**
 * The submit's deadline passed while it was still waiting for a transient cause to clear
 * (throttling, temporary errors, generic_nack, no connection). `lastCause` says which.
 */
export class SubmitExpiredError extends Error {
  override readonly name = 'SubmitExpiredError';
  readonly code = 'expired';
  constructor(
    readonly attempts: number,
    readonly lastCause?: string,
  ) {
    super(
      `deadline passed before the SMSC accepted the message` +
        ` (${attempts} attempt${attempts === 1 ? '' : 's'}${lastCause ? `, last: ${lastCause}` : ''})`,
    );
  }
}

/** The bind was closed (graceful shutdown) with this submit still pending. */
export class BindClosedError extends Error {
  override readonly name = 'BindClosedError';
}
