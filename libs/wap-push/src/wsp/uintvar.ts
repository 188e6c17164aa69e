import { WspPduError } from '../errors';

/** WSP uintvar (WAP-230 §8.1.2), the same big-endian base-128 form as WBXML's mb_u_int32. */
export function encodeUintvar(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WspPduError('WSP_INVALID', `uintvar out of range: ${value}`);
  }
  const groups: number[] = [value % 128];
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    groups.unshift((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  return Uint8Array.from(groups);
}

export function uintvarLength(value: number): number {
  let n = 1;
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    n++;
    rest = Math.floor(rest / 128);
  }
  return n;
}

/** Cursor over a PDU that reports truncation and malformed fields as typed errors. */
export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new WspPduError(
        'WSP_TRUNCATED',
        `truncated PDU: ${what} needs ${n} byte(s) at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  peek(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos];
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uintvar(what: string): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw new WspPduError('WSP_INVALID', `${what}: uintvar longer than 5 bytes or above 2^32-1`);
  }

  /** NUL-terminated string (Text-string / Token-text), quote byte 0x7F removed. */
  cstring(what: string): string {
    const start = this.pos;
    while (true) {
      if (this.pos >= this.end) {
        this.pos = start;
        throw new WspPduError('WSP_TRUNCATED', `truncated PDU: ${what} has no NUL terminator`);
      }
      if (this.bytes[this.pos] === 0) break;
      this.pos++;
    }
    let s = start;
    if (this.bytes[s] === 0x7f) s++;
    const text = Buffer.from(this.bytes.subarray(s, this.pos)).toString('utf8');
    this.pos++;
    return text;
  }
}
