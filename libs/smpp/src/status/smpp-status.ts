import * as smpp from 'smpp';

/** What the bind does with a non-zero command_status in submit_sm_resp. */
export type StatusClass = 'throttle' | 'temporary' | 'permanent';

const NAMES = new Map<number, string>();
for (const [name, code] of Object.entries((smpp as any).errors as Record<string, number>)) {
  NAMES.set(code, name);
}

export function smppStatusName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

const THROTTLE = new Set([0x58 /* ESME_RTHROTTLED */, 0x14 /* ESME_RMSGQFUL */]);
/** Conditions SMPP 3.4 §5.1.3 and operator practice treat as transient. */
const TEMPORARY = new Set([
  0x08, // ESME_RSYSERR
  0x45, // ESME_RSUBMITFAIL
  0x64, // ESME_RX_T_APPN
  0x66, // ESME_RX_R_APPN
  0xfe, // ESME_RDELIVERYFAILURE
  0xff, // ESME_RUNKNOWNERR
  0x04, // ESME_RINVBNDSTS: the SMSC lost our bind state; a rebind fixes it
]);

export function classifySmppStatus(status: number): StatusClass {
  if (THROTTLE.has(status)) return 'throttle';
  if (TEMPORARY.has(status)) return 'temporary';
  return 'permanent';
}

/** A submit the SMSC refused for good; `statusName` is the SMPP name (e.g. ESME_RINVDSTADR). */
export class SmppSubmitError extends Error {
  override readonly name = 'SmppSubmitError';
  readonly statusName: string;
  constructor(
    readonly status: number,
    readonly attempts: number,
    why?: string,
  ) {
    const statusName = smppStatusName(status);
    super(
      why ?? `SMSC refused submit_sm: ${statusName} (0x${status.toString(16).padStart(8, '0')})`,
    );
    this.statusName = statusName;
  }
}

/** The bind was closed (graceful shutdown) with this submit still pending. */
export class BindClosedError extends Error {
  override readonly name = 'BindClosedError';
}
