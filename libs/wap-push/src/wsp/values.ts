import { WspPduError } from '../errors';
import { ByteReader, encodeUintvar } from './uintvar';

/**
 * WSP primitive value encodings (WAP-230 §8.4.2.1): Short-integer, Long-integer,
 * Integer-value, Text-string, Value-length.
 */
export function encodeTextString(text: string): Uint8Array {
  const utf8 = Buffer.from(text, 'utf8');
  if (utf8.includes(0)) throw new WspPduError('WSP_INVALID', 'text value contains a NUL byte');
  // TEXT excludes control characters; a leading one would read back as a Value-length.
  if (utf8.length > 0 && utf8[0] < 0x20) {
    throw new WspPduError('WSP_INVALID', 'text value starts with a control character');
  }
  // A text whose first octet is >= 128 must be quoted so it is not read as a short-integer.
  const quote = utf8.length > 0 && utf8[0] >= 0x80 ? 1 : 0;
  const out = new Uint8Array(quote + utf8.length + 1);
  if (quote) out[0] = 0x7f;
  out.set(utf8, quote);
  return out;
}

export function encodeIntegerValue(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new WspPduError('WSP_INVALID', `integer value out of range: ${value}`);
  }
  if (value < 0x80) return Uint8Array.of(0x80 | value);
  const octets: number[] = [];
  let rest = value;
  while (rest > 0) {
    octets.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return Uint8Array.from([octets.length, ...octets]);
}

export function encodeValueLength(length: number): Uint8Array {
  if (length <= 30) return Uint8Array.of(length);
  const uv = encodeUintvar(length);
  const out = new Uint8Array(1 + uv.length);
  out[0] = 0x1f; // Length-quote: a uintvar follows
  out.set(uv, 1);
  return out;
}

/** Reads a Value-length (short-length or Length-quote + uintvar). */
export function readValueLength(r: ByteReader, what: string): number {
  const b = r.u8(what);
  if (b <= 30) return b;
  if (b === 31) return r.uintvar(what);
  throw new WspPduError('WSP_INVALID', `${what}: expected a Value-length, got 0x${hex2(b)}`);
}

export function readLongInteger(r: ByteReader, what: string): number {
  const len = r.u8(what);
  if (len < 1 || len > 30) {
    throw new WspPduError('WSP_INVALID', `${what}: long-integer length ${len} out of range`);
  }
  if (len > 6) throw new WspPduError('WSP_UNSUPPORTED', `${what}: integer wider than 48 bits`);
  const octets = r.take(len, what);
  let v = 0;
  for (const o of octets) v = v * 256 + o;
  return v;
}

/** Integer-value = Short-integer | Long-integer. */
export function readIntegerValue(r: ByteReader, what: string): number {
  const b = r.peek(what);
  if (b & 0x80) {
    r.pos++;
    return b & 0x7f;
  }
  return readLongInteger(r, what);
}

/** A generic typed/untyped value: integer (short or long), or text. */
export function readIntegerOrText(r: ByteReader, what: string): number | string {
  const b = r.peek(what);
  if (b >= 0x80 || (b >= 1 && b <= 30)) return readIntegerValue(r, what);
  if (b === 0) {
    r.pos++;
    return ''; // No-value
  }
  return r.cstring(what);
}

export function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
