/** Final delivery outcome of one SMS as the SMSC reports it. */
export type ReceiptState = 'delivered' | 'failed' | 'pending';

export interface DeliveryReceipt {
  /** Message id as the SMSC wrote it (not yet normalised). */
  messageId: string;
  state: ReceiptState;
  /** The SMSC's own word: DELIVRD, UNDELIV, EXPIRED, … */
  stat: string;
  error?: string;
}

const TEXT_STATES: Record<string, ReceiptState> = {
  DELIVRD: 'delivered',
  ACCEPTD: 'pending',
  ENROUTE: 'pending',
  UNKNOWN: 'pending',
  EXPIRED: 'failed',
  DELETED: 'failed',
  UNDELIV: 'failed',
  REJECTD: 'failed',
};

/** message_state TLV values (SMPP 3.4 §5.2.28). */
const TLV_STATES: Record<number, [ReceiptState, string]> = {
  1: ['pending', 'ENROUTE'],
  2: ['delivered', 'DELIVRD'],
  3: ['failed', 'EXPIRED'],
  4: ['failed', 'DELETED'],
  5: ['failed', 'UNDELIV'],
  6: ['pending', 'ACCEPTD'],
  7: ['pending', 'UNKNOWN'],
  8: ['failed', 'REJECTD'],
};

export interface DeliverSmLike {
  esm_class?: number;
  receipted_message_id?: string;
  message_state?: number;
  short_message?: Buffer | string | { message?: Buffer | string };
}

function shortMessageText(sm: DeliverSmLike['short_message']): string {
  if (sm === undefined) return '';
  if (typeof sm === 'string') return sm;
  if (Buffer.isBuffer(sm)) return sm.toString('latin1');
  const m = sm.message;
  if (m === undefined) return '';
  return typeof m === 'string' ? m : m.toString('latin1');
}

/**
 * Reads a delivery receipt from a deliver_sm (SMPP 3.4 Appendix B text form
 * `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`, or the
 * receipted_message_id / message_state TLVs, which win when both are present).
 * Returns undefined for a deliver_sm that is not a receipt (esm_class bit 2 unset).
 */
export function parseDeliveryReceipt(pdu: DeliverSmLike): DeliveryReceipt | undefined {
  const esm = pdu.esm_class ?? 0;
  const isReceipt = (esm & 0x3c) === 0x04 || (esm & 0x3c) === 0x08;
  if (!isReceipt && pdu.receipted_message_id === undefined) return undefined;
  const text = shortMessageText(pdu.short_message);
  const idMatch = /(?:^|\s)id:(\S+)/i.exec(text);
  const statMatch = /(?:^|\s)stat:(\S+)/i.exec(text);
  const errMatch = /(?:^|\s)err:(\S+)/i.exec(text);
  const messageId = pdu.receipted_message_id ?? idMatch?.[1];
  if (!messageId) return undefined;
  let state: ReceiptState = 'pending';
  let stat = 'UNKNOWN';
  if (pdu.message_state !== undefined && TLV_STATES[pdu.message_state]) {
    [state, stat] = TLV_STATES[pdu.message_state];
  } else if (statMatch) {
    stat = statMatch[1].toUpperCase();
    state = TEXT_STATES[stat] ?? 'pending';
  }
  return { messageId, state, stat, error: errMatch?.[1] };
}

/** The text form an SMSC puts in a receipt (used by the simulator SMSC). */
export function formatReceiptText(r: {
  messageId: string;
  stat: string;
  err?: string;
  submitDate: Date;
  doneDate: Date;
}): string {
  const d = (x: Date): string => {
    const p = (n: number): string => String(n).padStart(2, '0');
    return `${p(x.getUTCFullYear() % 100)}${p(x.getUTCMonth() + 1)}${p(x.getUTCDate())}${p(x.getUTCHours())}${p(x.getUTCMinutes())}`;
  };
  const dlvrd = r.stat === 'DELIVRD' ? '001' : '000';
  return `id:${r.messageId} sub:001 dlvrd:${dlvrd} submit date:${d(r.submitDate)} done date:${d(r.doneDate)} stat:${r.stat} err:${r.err ?? '000'} text:`;
}
