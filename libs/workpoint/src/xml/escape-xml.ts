import { WorkpointEncodingError } from '../errors';

// Characters XML 1.0 cannot carry at all (§2.2): C0 controls other than TAB, LF, CR; U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<>"\t\n\r]/;

/** true when `s` holds a character no XML 1.0 document can carry */
export function hasXmlExcludedChar(s: string): boolean {
  return INVALID.test(s);
}

function check(s: string, what: string): void {
  if (INVALID.test(s)) {
    const ch = s.match(INVALID)![0].charCodeAt(0);
    throw new WorkpointEncodingError(
      `${what} contains U+${ch.toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry`,
    );
  }
}

/** Escapes element text; CR becomes &#13; so it survives line-end normalisation. */
export function escapeText(s: string, what = 'value'): string {
  check(s, what);
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/** Escapes an attribute value in double quotes; whitespace controls as references. */
export function escapeAttr(s: string, what = 'attribute'): string {
  check(s, what);
  if (!ATTR_SPECIAL.test(s)) return s;
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}
