import type { MessageIdBase } from '../config/bind-config';

/**
 * Canonical form of an SMSC message id so that the id from submit_sm_resp and the one in the
 * receipt compare equal even when the SMSC writes one in hex and the other in decimal.
 * Numeric ids become decimal without leading zeros; text ids are kept as given (trimmed).
 */
export function normaliseMessageId(id: string, base: MessageIdBase): string {
  const s = id.trim();
  if (base === 'text' || s === '') return s;
  const ok = base === 'hex' ? /^[0-9a-fA-F]+$/.test(s) : /^[0-9]+$/.test(s);
  if (!ok) return s;
  return (base === 'hex' ? BigInt('0x' + s) : BigInt(s)).toString(10);
}
