import { ByteWriter } from './byte-writer';

/** The string table being built for one document: strings appended once, looked up by value. */
export class StringTable {
  // Created on first use: most documents never need a table.
  private bytes: ByteWriter | undefined;
  private offsets: Map<string, number> | undefined;

  /** Offset of `s`, adding it at the end when new. */
  add(s: string): number {
    this.offsets ??= new Map();
    this.bytes ??= new ByteWriter(64);
    let offset = this.offsets.get(s);
    if (offset === undefined) {
      offset = this.bytes.length;
      this.offsets.set(s, offset);
      this.bytes.utf8Terminated(s);
    }
    return offset;
  }

  offsetOf(s: string): number | undefined {
    return this.offsets?.get(s);
  }

  get size(): number {
    return this.bytes?.length ?? 0;
  }

  get writer(): ByteWriter {
    return (this.bytes ??= new ByteWriter(64));
  }
}

/**
 * Our string-table policy: whole strings (text content and attribute values) used two or more
 * times, in first-use order. libwbxml also splits text into words; we
 * do not (see docs/wbxml.md: byte comparison with libwbxml's string-table files is not fair anyway).
 */
export class StringUseCounter {
  private readonly counts = new Map<string, number>();

  see(s: string): void {
    if (s.length < 2) return;
    this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
  }

  repeated(): string[] {
    const out: string[] = [];
    for (const [s, n] of this.counts) if (n >= 2) out.push(s);
    return out;
  }
}
