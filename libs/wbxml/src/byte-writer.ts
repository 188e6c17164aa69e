import { WbxmlError } from './errors';

const utf8Encoder = new TextEncoder();
const SEPTETS = new Uint8Array(5);

/** A growable byte buffer: amortised doubling, no per-byte allocation. */
export class ByteWriter {
  buf: Uint8Array;
  length = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
  }

  reset(): void {
    this.length = 0;
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.length >= this.buf.length) this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** WBXML mb_u_int32 / WSP uintvar: big-endian base-128, shortest form. */
  mbUint32(value: number): void {
    if (value < 0x80) {
      this.byte(value);
      return;
    }
    this.ensure(5);
    const septets = SEPTETS;
    let v = value >>> 0;
    let n = 0;
    do {
      septets[n++] = v & 0x7f;
      v >>>= 7;
    } while (v !== 0);
    const buf = this.buf;
    while (n > 1) buf[this.length++] = septets[--n] | 0x80;
    buf[this.length++] = septets[0];
  }

  /** UTF-8 bytes of `s` followed by a NUL terminator (WBXML termstr). */
  utf8Terminated(s: string): void {
    const n = s.length;
    this.ensure(n + 1);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0) {
        // A NUL would end the termstr early and shift every later token.
        throw new WbxmlError('invalid-tree', 'a string contains a NUL character', -1);
      }
      if (c >= 0x80) {
        this.length = p;
        this.ensure(3 * (n - i) + 1);
        const rest = s.slice(i);
        if (rest.indexOf('\0') >= 0) {
          throw new WbxmlError('invalid-tree', 'a string contains a NUL character', -1);
        }
        const r = utf8Encoder.encodeInto(rest, this.buf.subarray(this.length));
        this.length += r.written;
        this.buf[this.length++] = 0;
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 0;
    this.length = p;
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}
