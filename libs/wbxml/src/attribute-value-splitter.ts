import { AttrValueToken } from './languages/registry';

/** A piece of an attribute value: literal text, or a value token. */
export type ValuePiece = string | AttrValueToken;

/**
 * Splits an attribute value into text and value tokens the way libwbxml (and Kannel) do: every
 * occurrence of each table entry, entries taken in table order. Reproducing the order is what keeps
 * CP bytes (and so their MACs) identical to theirs, e.g. "HTTP-BASIC,HTTP-DIGEST" -> 9C, 00 01 90, 00 00 9D.
 */
export class AttributeValueSplitter {
  /** first character code -> indices of entries starting with it (most values hold no token) */
  private readonly byFirstChar: (number[] | undefined)[] = [];

  constructor(private readonly entries: readonly AttrValueToken[]) {
    entries.forEach((e, i) => {
      (this.byFirstChar[e.value.charCodeAt(0)] ??= []).push(i);
    });
  }

  /** Returns undefined when the value holds no token at all (the common case). */
  split(value: string): ValuePiece[] | undefined {
    // Which entries occur anywhere in the value; the pieces are substrings of it, so no other entry
    // can match later and the table-order passes below only need these.
    let found: number[] | undefined;
    const byFirstChar = this.byFirstChar;
    const entries = this.entries;
    for (let i = 0; i < value.length; i++) {
      const candidates = byFirstChar[value.charCodeAt(i)];
      if (candidates === undefined) continue;
      for (const idx of candidates) {
        if (value.startsWith(entries[idx].value, i) && !(found ??= []).includes(idx)) {
          found.push(idx);
        }
      }
    }
    if (found === undefined) return undefined;
    found.sort((a, b) => a - b);
    let pieces: ValuePiece[] = [value];
    for (const idx of found) {
      const entry = entries[idx];
      let next: ValuePiece[] | undefined;
      for (let i = 0; i < pieces.length; i++) {
        const p = pieces[i];
        if (typeof p !== 'string' || p.indexOf(entry.value) < 0) {
          next?.push(p);
          continue;
        }
        next ??= pieces.slice(0, i);
        const parts = p.split(entry.value);
        for (let k = 0; k < parts.length; k++) {
          if (k > 0) next.push(entry);
          if (parts[k] !== '') next.push(parts[k]);
        }
      }
      if (next !== undefined) pieces = next;
    }
    return pieces;
  }
}
