import { XmlParseError } from '../errors';
import { XmlAttribute, XmlDocument, XmlElement, XmlPi } from '../model';
import { decodeEntities } from './entities';

export interface ParseXmlOptions {
  /** Keep whitespace-only text nodes (default false: dropped, as xml2wbxml does). */
  keepWhitespace?: boolean;
  /** Deepest element nesting accepted (default 256). */
  maxDepth?: number;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const EQ = 61; // =
const QUOT = 34;
const APOS = 39;
const BANG = 33; // !
const QUESTION = 63; // ?

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** A name ends at whitespace, one of / > =, or the end of input (charCodeAt gives NaN there). */
function isNameEnd(c: number): boolean {
  return (
    c === 32 || c === 10 || c === 9 || c === 13 || c === SLASH || c === GT || c === EQ || c !== c
  );
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c >= 0xc0;
}

/**
 * A scanner for the XML these protocols use: elements, attributes, text, CDATA, the five entities
 * and numeric references; comments skipped; PIs kept; DOCTYPE read for its ids (no internal
 * subset). Much faster than a general parser; fast-xml-parser stays the reference
 * (see parseXmlReference and the differential tests).
 */
export function parseXml(source: string, options: ParseXmlOptions = {}): XmlDocument {
  return new Scanner(source, options).parseDocument();
}

class Scanner {
  private pos = 0;
  private readonly len: number;
  private readonly keepWhitespace: boolean;
  private readonly maxDepth: number;
  private readonly hasCarriageReturn: boolean;

  constructor(
    private readonly src: string,
    options: ParseXmlOptions,
  ) {
    this.len = src.length;
    this.keepWhitespace = options.keepWhitespace === true;
    this.maxDepth = options.maxDepth ?? 256;
    this.hasCarriageReturn = src.indexOf('\r') >= 0;
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** XML 1.0 §2.11: CR LF and a lone CR read as LF (a &#13; reference stays a CR). */
  private newlines(s: string): string {
    return this.hasCarriageReturn ? s.replace(/\r\n?/g, '\n') : s;
  }

  private fail(message: string, at = this.pos): never {
    throw new XmlParseError(message, at, this.src);
  }

  parseDocument(): XmlDocument {
    const doc: Partial<XmlDocument> = {};
    const prolog: XmlPi[] = [];
    const epilog: XmlPi[] = [];
    let root: XmlElement | undefined;
    const src = this.src;
    while (true) {
      this.skipSpace();
      if (this.pos >= this.len) break;
      if (src.charCodeAt(this.pos) !== LT) {
        this.fail(
          root === undefined ? 'text before the root element' : 'text after the root element',
        );
      }
      const c1 = src.charCodeAt(this.pos + 1);
      if (c1 === QUESTION) {
        const pi = this.readPi();
        if (pi === undefined) continue; // the XML declaration
        (root === undefined ? prolog : epilog).push(pi);
      } else if (c1 === BANG) {
        if (src.startsWith('<!--', this.pos)) this.skipComment();
        else if (src.startsWith('<!DOCTYPE', this.pos) && root === undefined) this.readDoctype(doc);
        else this.fail('unexpected markup outside the root element');
      } else {
        if (root !== undefined) this.fail('a second root element');
        root = this.readElementTree();
      }
    }
    if (root === undefined) this.fail('no root element');
    const out: XmlDocument = { root };
    if (doc.publicId !== undefined) out.publicId = doc.publicId;
    if (doc.systemId !== undefined) out.systemId = doc.systemId;
    if (prolog.length > 0) out.prolog = prolog;
    if (epilog.length > 0) out.epilog = epilog;
    return out;
  }

  private skipSpace(): void {
    const src = this.src;
    while (this.pos < this.len && isSpace(src.charCodeAt(this.pos))) this.pos++;
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    this.pos = end + 3;
  }

  /** `<?target data?>`; returns undefined for the XML declaration. */
  private readPi(): XmlPi | undefined {
    const start = this.pos;
    const end = this.src.indexOf('?>', start + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    this.pos = start + 2;
    const target = this.readName();
    const data = this.src.slice(this.pos, end).trim();
    this.pos = end + 2;
    if (target.toLowerCase() === 'xml') {
      if (start !== 0 && !(start === 1 && this.src.charCodeAt(0) === 0xfeff)) {
        this.fail('XML declaration not at the start of the document', start);
      }
      return undefined;
    }
    return { kind: 'pi', target, data };
  }

  private readDoctype(doc: Partial<XmlDocument>): void {
    const start = this.pos;
    this.pos += 9;
    this.skipSpace();
    this.readName();
    this.skipSpace();
    const src = this.src;
    if (src.startsWith('PUBLIC', this.pos)) {
      this.pos += 6;
      this.skipSpace();
      doc.publicId = this.readQuoted();
      this.skipSpace();
      const c = src.charCodeAt(this.pos);
      if (c === QUOT || c === APOS) doc.systemId = this.readQuoted();
    } else if (src.startsWith('SYSTEM', this.pos)) {
      this.pos += 6;
      this.skipSpace();
      doc.systemId = this.readQuoted();
    }
    this.skipSpace();
    if (src.charCodeAt(this.pos) === 91 /* [ */) {
      this.fail('DTD internal subsets are not supported');
    }
    if (src.charCodeAt(this.pos) !== GT) this.fail('malformed DOCTYPE', start);
    this.pos++;
  }

  private readQuoted(): string {
    const q = this.src.charCodeAt(this.pos);
    if (q !== QUOT && q !== APOS) this.fail('expected a quoted string');
    const end = this.src.indexOf(q === QUOT ? '"' : "'", this.pos + 1);
    if (end < 0) this.fail('unterminated quoted string');
    const s = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }

  private readName(): string {
    const src = this.src;
    const start = this.pos;
    if (!isNameStart(src.charCodeAt(start))) this.fail('expected a name');
    let i = start + 1;
    while (i < this.len && !isNameEnd(src.charCodeAt(i))) i++;
    this.pos = i;
    return src.slice(start, i);
  }

  /** The root element and everything inside it, with an explicit stack. */
  private readElementTree(): XmlElement {
    const src = this.src;
    const len = this.len;
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    let current: XmlElement | undefined;
    // Text accumulated since the last markup: text and CDATA pieces merge into one node.
    let text = '';
    let hasText = false;
    while (true) {
      if (current !== undefined) {
        const lt = src.indexOf('<', this.pos);
        if (lt < 0) this.fail(`document ends inside <${current.name}>`, len);
        if (lt > this.pos) {
          const raw = this.newlines(src.slice(this.pos, lt));
          const bad = raw.indexOf(']]>');
          if (bad >= 0) this.fail("']]>' is not allowed in text", this.pos + bad);
          text = hasText
            ? text + decodeEntities(raw, src, this.pos)
            : decodeEntities(raw, src, this.pos);
          hasText = true;
          this.pos = lt;
        }
      }
      const tagStart = this.pos;
      const c1 = src.charCodeAt(tagStart + 1);
      if (c1 === BANG) {
        if (current === undefined) this.fail('expected the root element');
        if (src.startsWith('<!--', tagStart)) {
          this.skipComment();
          continue;
        }
        if (src.startsWith('<![CDATA[', tagStart)) {
          const end = src.indexOf(']]>', tagStart + 9);
          if (end < 0) this.fail('unterminated CDATA section');
          const cdata = this.newlines(src.slice(tagStart + 9, end));
          text = hasText ? text + cdata : cdata;
          hasText = true;
          this.pos = end + 3;
          continue;
        }
        this.fail('unexpected markup');
      }
      if (hasText) {
        if (this.keepWhitespace || !isAllSpace(text))
          current!.children.push({ kind: 'text', text });
        text = '';
        hasText = false;
      }
      if (c1 === SLASH) {
        // end tag
        let i = tagStart + 2;
        while (i < len && !isNameEnd(src.charCodeAt(i))) i++;
        const name = src.slice(tagStart + 2, i);
        while (i < len && isSpace(src.charCodeAt(i))) i++;
        if (src.charCodeAt(i) !== GT) this.fail('malformed end tag', i);
        this.pos = i + 1;
        if (current === undefined || name !== current.name) {
          this.fail(
            current === undefined
              ? `unexpected end tag </${name}>`
              : `end tag </${name}> does not match <${current.name}>`,
            tagStart,
          );
        }
        stack.pop();
        if (stack.length === 0) return root!;
        current = stack[stack.length - 1];
        continue;
      }
      if (c1 === QUESTION) {
        if (current === undefined) this.fail('expected the root element');
        const pi = this.readPi();
        if (pi === undefined) this.fail('XML declaration inside an element', tagStart);
        current.children.push(pi);
        continue;
      }
      // start tag
      if (!isNameStart(c1)) this.fail('expected a name', tagStart + 1);
      let i = tagStart + 2;
      while (i < len && !isNameEnd(src.charCodeAt(i))) i++;
      const el: XmlElement = {
        kind: 'element',
        name: src.slice(tagStart + 1, i),
        attributes: [],
        children: [],
      };
      let selfClosing: boolean;
      const c = src.charCodeAt(i);
      if (c === GT) {
        this.pos = i + 1;
        selfClosing = false;
      } else if (c === SLASH && src.charCodeAt(i + 1) === GT) {
        this.pos = i + 2;
        selfClosing = true;
      } else {
        this.pos = i;
        selfClosing = this.readAttributes(el.attributes);
      }
      if (current === undefined) root = el;
      else current.children.push(el);
      if (selfClosing) {
        if (current === undefined) return el;
        continue;
      }
      if (stack.length >= this.maxDepth) {
        this.fail(`elements nested deeper than the limit of ${this.maxDepth}`, tagStart);
      }
      stack.push(el);
      current = el;
    }
  }

  /** Reads attributes up to `>` or `/>`; returns true for an empty-element tag. */
  private readAttributes(into: XmlAttribute[]): boolean {
    const src = this.src;
    while (true) {
      const before = this.pos;
      this.skipSpace();
      if (this.pos >= this.len) this.fail('document ends inside a tag');
      const c = src.charCodeAt(this.pos);
      if (c === GT) {
        this.pos++;
        return false;
      }
      if (c === SLASH) {
        if (src.charCodeAt(this.pos + 1) !== GT) this.fail("expected '/>'");
        this.pos += 2;
        return true;
      }
      if (this.pos === before) this.fail('expected whitespace before an attribute');
      const nameStart = this.pos;
      const name = this.readName();
      this.skipSpace();
      if (src.charCodeAt(this.pos) !== EQ) this.fail(`attribute ${name} has no value`);
      this.pos++;
      this.skipSpace();
      const q = src.charCodeAt(this.pos);
      if (q !== QUOT && q !== APOS) this.fail(`attribute ${name} value is not quoted`);
      const end = src.indexOf(q === QUOT ? '"' : "'", this.pos + 1);
      if (end < 0) this.fail('unterminated attribute value');
      const raw = this.newlines(src.slice(this.pos + 1, end));
      if (raw.indexOf('<') >= 0)
        this.fail("'<' in an attribute value", this.pos + 1 + raw.indexOf('<'));
      for (const a of into) {
        if (a.name === name) this.fail(`duplicate attribute ${name}`, nameStart);
      }
      into.push({ name, value: decodeEntities(raw, src, this.pos + 1) });
      this.pos = end + 1;
    }
  }
}

function isAllSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}
