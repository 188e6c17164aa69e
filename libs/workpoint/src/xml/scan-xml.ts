import { WorkpointXmlError } from '../errors';

/**
 * A deliberately small XML element tree: enough for the flat Workpoint vocabulary.
 * Names are local names (namespace prefixes dropped), namespace declarations are not kept,
 * mixed content is reduced to the concatenated text of the element.
 */
export interface LiteElement {
  name: string;
  /** attributes as a flat list [name0, value0, name1, value1, …] (local names) */
  attrs: string[];
  children: LiteElement[];
  text: string;
}

/** Value of an attribute by local name (few attributes per element: a scan beats a dictionary). */
export function attr(el: LiteElement, name: string): string | undefined {
  const a = el.attrs;
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
  return undefined;
}

const MAX_DEPTH = 32;

/** ASCII characters that end a name: whitespace, '>', '/', '='. */
const NAME_STOP = new Uint8Array(128);
for (const c of [0x20, 0x0a, 0x0d, 0x09, 0x3e, 0x2f, 0x3d]) NAME_STOP[c] = 1;

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/**
 * Parses one XML document into a LiteElement tree. Accepts a BOM, a missing XML declaration,
 * comments, processing instructions, DOCTYPE (ignored), CDATA and character references.
 * Throws WorkpointXmlError on anything not well-formed.
 */
export function scanXml(src: string): LiteElement {
  let pos = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const len = src.length;
  const fail = (msg: string, at = pos): never => {
    throw new WorkpointXmlError(msg, at);
  };

  const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  const skipWs = () => {
    while (pos < len && isWs(src.charCodeAt(pos))) pos++;
  };
  const readName = (): string => {
    const start = pos;
    while (pos < len) {
      const c = src.charCodeAt(pos);
      if (c < 128 && NAME_STOP[c] === 1) break;
      pos++;
    }
    if (pos === start) fail('expected a name');
    return src.slice(start, pos);
  };

  const skipUntil = (marker: string, what: string) => {
    const end = src.indexOf(marker, pos);
    if (end < 0) fail(`unterminated ${what}`);
    pos = end + marker.length;
  };

  const skipDoctype = () => {
    // <!DOCTYPE name [internal subset]> — bracket-aware, quotes ignored (good enough for skipping).
    let depth = 0;
    while (pos < len) {
      const c = src[pos++];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth <= 0) return;
    }
    fail('unterminated DOCTYPE');
  };

  /** Skips comments / PIs / DOCTYPE / whitespace outside the root element. */
  const skipMisc = (allowDoctype: boolean) => {
    for (;;) {
      skipWs();
      if (src.startsWith('<?', pos)) {
        pos += 2;
        skipUntil('?>', 'processing instruction');
      } else if (src.startsWith('<!--', pos)) {
        pos += 4;
        skipUntil('-->', 'comment');
      } else if (allowDoctype && src.startsWith('<!DOCTYPE', pos)) {
        pos += 9;
        skipDoctype();
      } else return;
    }
  };

  skipMisc(true);
  if (pos >= len || src.charCodeAt(pos) !== 0x3c) fail('expected the root element');

  // open elements and their qualified names (parallel arrays: no wrapper object per element)
  const stack: LiteElement[] = [];
  const qnames: string[] = [];
  let root: LiteElement | undefined;

  while (pos < len) {
    const c = src.charCodeAt(pos);
    if (c !== 0x3c) {
      // character data
      const end = src.indexOf('<', pos);
      const stop = end < 0 ? len : end;
      if (stack.length === 0) fail('text outside the root element');
      stack[stack.length - 1].text += decodeText(src, pos, stop);
      pos = stop;
      continue;
    }
    const next = src.charCodeAt(pos + 1);
    if (next === 0x2f /* </ */) {
      pos += 2;
      const qname = readName();
      skipWs();
      if (src.charCodeAt(pos) !== 0x3e) fail('expected > in end tag');
      pos++;
      const top = stack.pop();
      const open = qnames.pop();
      if (!top) fail('end tag without start tag');
      if (open !== qname) fail(`end tag </${qname}> does not match <${open}>`);
      if (stack.length === 0) {
        root = top;
        break;
      }
      continue;
    }
    if (next === 0x21 /* <! */) {
      if (src.startsWith('<!--', pos)) {
        pos += 4;
        skipUntil('-->', 'comment');
      } else if (src.startsWith('<![CDATA[', pos)) {
        const start = pos + 9;
        const end = src.indexOf(']]>', start);
        if (end < 0) fail('unterminated CDATA section');
        if (stack.length === 0) fail('CDATA outside the root element');
        stack[stack.length - 1].text += src.slice(start, end);
        pos = end + 3;
      } else fail('unexpected markup declaration');
      continue;
    }
    if (next === 0x3f /* <? */) {
      pos += 2;
      skipUntil('?>', 'processing instruction');
      continue;
    }
    // start tag
    pos++;
    const qname = readName();
    const el: LiteElement = { name: localName(qname), attrs: [], children: [], text: '' };
    let selfClosing = false;
    for (;;) {
      const hadWs = pos < len && isWs(src.charCodeAt(pos));
      skipWs();
      if (pos >= len) fail(`unterminated start tag <${qname}>`);
      const ch = src.charCodeAt(pos);
      if (ch === 0x3e) {
        pos++;
        break;
      }
      if (ch === 0x2f) {
        if (src.charCodeAt(pos + 1) !== 0x3e) fail('expected /> ');
        pos += 2;
        selfClosing = true;
        break;
      }
      if (!hadWs) fail('expected whitespace before attribute');
      const aname = readName();
      skipWs();
      if (src.charCodeAt(pos) !== 0x3d) fail(`expected = after attribute ${aname}`);
      pos++;
      skipWs();
      const q = src.charCodeAt(pos);
      if (q !== 0x22 && q !== 0x27) fail(`expected a quoted value for attribute ${aname}`);
      const vstart = pos + 1;
      const vend = src.indexOf(q === 0x22 ? '"' : "'", vstart);
      if (vend < 0) fail(`unterminated value of attribute ${aname}`);
      const raw = src.slice(vstart, vend);
      if (raw.includes('<')) fail(`'<' in value of attribute ${aname}`, vstart);
      pos = vend + 1;
      if (aname === 'xmlns' || aname.startsWith('xmlns:')) continue;
      const key = localName(aname);
      if (attr(el, key) !== undefined) fail(`duplicate attribute ${aname}`, vstart);
      el.attrs.push(key, decodeAttr(raw, vstart));
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    if (selfClosing) {
      if (stack.length === 0) {
        root = el;
        break;
      }
    } else {
      if (stack.length >= MAX_DEPTH) fail('elements nested too deeply');
      stack.push(el);
      qnames.push(qname);
    }
  }
  if (!root) return fail(`unterminated element <${qnames[qnames.length - 1] ?? '?'}>`);
  skipMisc(false);
  if (pos < len) fail('content after the root element');
  return root;
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/** Text content: CRLF / CR normalised to LF (XML 1.0 §2.11), then references resolved. */
function decodeText(src: string, start: number, end: number): string {
  let s = src.slice(start, end);
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s.includes('&') ? decodeRefs(s, start) : s;
}

/** Attribute values: literal whitespace becomes a space (XML 1.0 §3.3.3), then references. */
function decodeAttr(raw: string, offset: number): string {
  let s = raw;
  if (/[\t\n\r]/.test(s)) s = s.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  return s.includes('&') ? decodeRefs(s, offset) : s;
}

function decodeRefs(s: string, offset: number): string {
  return s.replace(/&([^;&\s]*);?/g, (m, body: string, at: number) => {
    if (!m.endsWith(';')) throw new WorkpointXmlError(`unterminated reference ${m}`, offset + at);
    if (body.startsWith('#')) {
      const cp =
        body[1] === 'x' || body[1] === 'X'
          ? parseInt(body.slice(2), 16)
          : /^#[0-9]+$/.test(body)
            ? parseInt(body.slice(1), 10)
            : NaN;
      // XML 1.0 Char: no C0 controls but TAB/LF/CR, no surrogates, no U+FFFE/U+FFFF
      if (
        !Number.isFinite(cp) ||
        cp <= 0 ||
        cp > 0x10ffff ||
        (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) ||
        (cp >= 0xd800 && cp <= 0xdfff) ||
        cp === 0xfffe ||
        cp === 0xffff
      )
        throw new WorkpointXmlError(`bad character reference ${m}`, offset + at);
      return String.fromCodePoint(cp);
    }
    const named = NAMED_ENTITIES[body];
    if (named === undefined) throw new WorkpointXmlError(`unknown entity ${m}`, offset + at);
    return named;
  });
}
