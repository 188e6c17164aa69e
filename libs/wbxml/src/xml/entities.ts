import { XmlParseError } from '../errors';

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces the five predefined entities and numeric character references in `raw`. */
export function decodeEntities(raw: string, source: string, offset: number): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12) {
      throw new XmlParseError('unterminated entity reference', offset + amp, source);
    }
    const name = raw.slice(amp + 1, semi);
    let ch: string | undefined;
    if (name.charCodeAt(0) === 35 /* # */) {
      const isHex = name.charCodeAt(1) === 120; /* x */
      const digits = name.slice(isHex ? 2 : 1);
      const valid = isHex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
      const cp = valid ? parseInt(digits, isHex ? 16 : 10) : NaN;
      if (!(cp >= 1 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw new XmlParseError(`invalid character reference &${name};`, offset + amp, source);
      }
      ch = String.fromCodePoint(cp);
    } else {
      ch = NAMED[name];
      if (ch === undefined) {
        throw new XmlParseError(`unknown entity &${name};`, offset + amp, source);
      }
    }
    out += raw.slice(last, amp) + ch;
    last = semi + 1;
    amp = raw.indexOf('&', last);
  }
  return out + raw.slice(last);
}

/** Index of the first character text escaping must touch (& < > CR), or -1. */
function firstTextSpecial(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 13) return i;
  }
  return -1;
}

/** Index of the first character attribute escaping must touch (& < > " TAB LF CR), or -1. */
function firstAttributeSpecial(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34 || c === 9 || c === 10 || c === 13) return i;
  }
  return -1;
}

export function escapeText(s: string): string {
  if (firstTextSpecial(s) < 0) return s;
  // CR as a reference: XML readers turn a literal CR (or CRLF) into LF.
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

export function escapeAttribute(s: string): string {
  if (firstAttributeSpecial(s) < 0) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
