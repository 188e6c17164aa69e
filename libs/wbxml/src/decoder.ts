import { decodeUtf8, StringCodec, stringCodecFor, CHARSET_UTF8 } from './charset';
import { WbxmlError } from './errors';
import {
  CompiledLanguage,
  getLanguage,
  languageForPublicId,
  languageForPublicIdCode,
} from './languages/registry';
import type { LanguageId } from './languages/language-definition';
import { XmlAttribute, XmlDocument, XmlElement, XmlNode, XmlOpaque, XmlPi } from './model';
import * as T from './tokens';

export interface DecodeOptions {
  /** Use this vocabulary whatever the public id says (e.g. a device that sends id 0x01 "unknown"). */
  language?: LanguageId;
  /**
   * Decode OPAQUE content of elements that may carry a nested document (SyncML <Data>: DevInf) into
   * `nested` when it is a WBXML document of a known language.
   */
  decodeNested?: boolean;
  /** Deepest element nesting accepted (default 256). */
  maxDepth?: number;
  /** Largest document accepted, in bytes (default 8 MiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_DEPTH = 256;
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

const UTF8 = stringCodecFor(CHARSET_UTF8, 0);

/** For an unknown public id: no tables, so only LITERAL forms decode. */
const NO_LANGUAGE: CompiledLanguage = {
  ...getLanguage('prov10'),
  tagNames: [],
  pageNamespaces: [],
  attrStarts: [],
  attrValues: [],
};

/** Decodes a WBXML 1.0-1.3 document into the shared document model. Throws only WbxmlError. */
export function decodeWbxml(bytes: Uint8Array, options: DecodeOptions = {}): XmlDocument {
  try {
    return new WbxmlDecoder(bytes, options).decodeDocument();
  } catch (e) {
    if (e instanceof WbxmlError) throw e;
    // A bug in here must still surface as the typed error callers handle, never a crash.
    throw new WbxmlError('internal', `internal decoder error: ${(e as Error).message}`, -1);
  }
}

class WbxmlDecoder {
  private pos = 0;
  private readonly end: number;
  private lang: CompiledLanguage = NO_LANGUAGE;
  private codec: StringCodec = UTF8;
  private tableStart = 0;
  private tableLength = 0;
  private tableCache: Map<number, string> | undefined;
  private tagPage = 0;
  private attrPage = 0;
  private readonly maxDepth: number;
  private publicIdCode = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.end = bytes.length;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (bytes.length > maxBytes) {
      throw new WbxmlError(
        'size-limit',
        `document is ${bytes.length} bytes, more than the ${maxBytes}-byte limit`,
        maxBytes,
      );
    }
  }

  decodeDocument(): XmlDocument {
    const version = this.readByte();
    if (version > 0x03) {
      throw new WbxmlError(
        'unsupported-version',
        `unsupported WBXML version byte 0x${hex(version)}`,
        0,
      );
    }
    const publicIdCode = this.readMbUint32();
    let publicIdIndex = -1;
    if (publicIdCode === 0) publicIdIndex = this.readMbUint32();
    // WBXML 1.0 has no charset field; UTF-8 is assumed.
    const charsetOffset = this.pos;
    const charset = version === 0 ? CHARSET_UTF8 : this.readMbUint32();
    this.codec = stringCodecFor(charset, charsetOffset);
    const tableLengthOffset = this.pos;
    this.tableLength = this.readMbUint32();
    this.tableStart = this.pos;
    if (this.tableLength > this.end - this.pos) {
      throw new WbxmlError(
        'length-past-buffer',
        `string table length ${this.tableLength} runs past the end of the document`,
        tableLengthOffset,
      );
    }
    this.pos += this.tableLength;

    let publicId: string | undefined;
    let lang: CompiledLanguage | undefined;
    if (publicIdIndex >= 0) {
      publicId = this.tableString(publicIdIndex, 1);
      lang = languageForPublicId(publicId);
    } else {
      lang = languageForPublicIdCode(publicIdCode);
      publicId = lang?.def.publicId;
    }
    if (this.options.language !== undefined) {
      lang = getLanguage(this.options.language);
      publicId ??= lang.def.publicId;
    }
    this.lang = lang ?? NO_LANGUAGE;
    this.publicIdCode = publicIdIndex >= 0 ? 0 : publicIdCode;

    const prolog: XmlPi[] = [];
    while (this.pos < this.end && this.bytes[this.pos] === T.PI) {
      this.pos++;
      prolog.push(this.readPi());
    }
    const root = this.readBody();
    const epilog: XmlPi[] = [];
    while (this.pos < this.end) {
      if (this.bytes[this.pos] === T.END) {
        throw new WbxmlError('unexpected-end', 'END without an open element', this.pos);
      }
      if (this.bytes[this.pos] !== T.PI) {
        throw new WbxmlError(
          'trailing-data',
          `unexpected byte 0x${hex(this.bytes[this.pos])} after the root element`,
          this.pos,
        );
      }
      this.pos++;
      epilog.push(this.readPi());
    }
    const doc: XmlDocument = {
      root,
      wbxml: { version, publicIdCode: publicIdIndex >= 0 ? undefined : publicIdCode, charset },
    };
    if (publicId !== undefined) doc.publicId = publicId;
    if (lang !== undefined) {
      doc.language = lang.id;
      doc.systemId = lang.def.systemId;
    }
    if (prolog.length > 0) doc.prolog = prolog;
    if (epilog.length > 0) doc.epilog = epilog;
    return doc;
  }

  /** The element tree, iteratively (no recursion, so hostile nesting cannot blow the JS stack). */
  private readBody(): XmlElement {
    const bytes = this.bytes;
    const stack: XmlElement[] = [];
    const nsStack: (string | undefined)[] = [];
    let root: XmlElement | undefined;
    let parent: XmlElement | undefined;
    let parentNs: string | undefined;
    const lang = this.lang;
    let tagRow = lang.tagNames[this.tagPage];
    while (true) {
      if (this.pos >= this.end) {
        throw new WbxmlError(
          'truncated',
          root === undefined
            ? 'document has no root element'
            : `document ends inside <${parent!.name}>`,
          this.pos,
        );
      }
      const start = this.pos;
      const b = bytes[this.pos++];
      switch (b) {
        case T.SWITCH_PAGE:
          this.tagPage = this.readByte();
          tagRow = lang.tagNames[this.tagPage];
          continue;
        case T.END:
          if (parent === undefined) {
            throw new WbxmlError('unexpected-end', 'END without an open element', start);
          }
          stack.pop();
          nsStack.pop();
          if (stack.length === 0) return root!;
          parent = stack[stack.length - 1];
          parentNs = nsStack[nsStack.length - 1];
          continue;
        case T.STR_I:
          this.addText(parent, start, this.readInlineString());
          continue;
        case T.STR_T:
          this.addText(parent, start, this.tableString(this.readMbUint32(), start));
          continue;
        case T.ENTITY: {
          const codePoint = this.readMbUint32();
          this.contentParent(parent, start).children.push({ kind: 'entity', codePoint });
          continue;
        }
        case T.OPAQUE:
          {
            const into = this.contentParent(parent, start);
            into.children.push(
              this.readOpaque(
                this.options.decodeNested === true && this.lang.nested.has(into.name),
              ),
            );
          }
          continue;
        case T.PI:
          this.contentParent(parent, start).children.push(this.readPi());
          continue;
        case 0x40:
        case 0x41:
        case 0x42:
          this.contentParent(parent, start).children.push({
            kind: 'ext',
            index: b - T.EXT_I_0,
            form: 'inline',
            value: this.readInlineString(),
          });
          continue;
        case 0x80:
        case 0x81:
        case 0x82: {
          const tableRef = this.readMbUint32();
          const value = tableRef < this.tableLength ? this.tableString(tableRef, start) : undefined;
          const ext: XmlNode = { kind: 'ext', index: b - T.EXT_T_0, form: 'table', tableRef };
          if (value !== undefined) ext.value = value;
          this.contentParent(parent, start).children.push(ext);
          continue;
        }
        case 0xc0:
        case 0xc1:
        case 0xc2:
          this.contentParent(parent, start).children.push({
            kind: 'ext',
            index: b - T.EXT_0,
            form: 'empty',
          });
          continue;
      }
      // A tag: application token or one of the LITERAL forms.
      let name: string;
      let ns: string | undefined;
      const id = b & T.TAG_ID_MASK;
      if (id === T.LITERAL) {
        name = this.tableString(this.readMbUint32(), start);
        ns = parentNs;
      } else {
        const found = tagRow?.[id];
        if (found === undefined) {
          throw new WbxmlError(
            'unknown-token',
            this.lang === NO_LANGUAGE
              ? `tag token 0x${hex(b)} but no token table is known for public id 0x${hex(this.publicIdCode)} (pass options.language)`
              : `unknown tag token 0x${hex(b)} on code page ${this.tagPage} of ${this.lang.id}`,
            start,
          );
        }
        name = found;
        ns = lang.pageNamespaces[this.tagPage];
      }
      const attributes: XmlAttribute[] =
        ns !== undefined && ns !== parentNs ? [{ name: 'xmlns', value: ns }] : [];
      const el: XmlElement = { kind: 'element', name, attributes, children: [] };
      if (b & T.TAG_HAS_ATTRIBUTES) this.readAttributes(attributes, start);
      if (parent === undefined) {
        if (root !== undefined) {
          throw new WbxmlError('trailing-data', 'a second root element', start);
        }
        root = el;
      } else {
        parent.children.push(el);
      }
      if (b & T.TAG_HAS_CONTENT) {
        if (stack.length >= this.maxDepth) {
          throw new WbxmlError(
            'depth-limit',
            `elements nested deeper than the limit of ${this.maxDepth}`,
            start,
          );
        }
        stack.push(el);
        nsStack.push(ns);
        parent = el;
        parentNs = ns;
      } else if (parent === undefined) {
        return el;
      }
    }
  }

  private contentParent(parent: XmlElement | undefined, offset: number): XmlElement {
    if (parent === undefined) {
      throw new WbxmlError('unknown-token', 'content outside the root element', offset);
    }
    return parent;
  }

  private addText(parent: XmlElement | undefined, offset: number, value: string): void {
    const children = this.contentParent(parent, offset).children;
    const last = children.length > 0 ? children[children.length - 1] : undefined;
    if (last !== undefined && last.kind === 'text') last.text += value;
    else children.push({ kind: 'text', text: value });
  }

  /** attribute-list: (attrStart *attrValue)* END; the attribute code page persists across lists. */
  private readAttributes(into: XmlAttribute[], tagOffset: number): void {
    const bytes = this.bytes;
    let current: XmlAttribute | undefined;
    while (true) {
      if (this.pos >= this.end) {
        throw new WbxmlError('truncated', 'document ends inside an attribute list', this.pos);
      }
      const start = this.pos;
      const b = bytes[this.pos++];
      if (b === T.END) return;
      if (b === T.SWITCH_PAGE) {
        this.attrPage = this.readByte();
        continue;
      }
      let part: string;
      switch (b) {
        case T.LITERAL: {
          current = { name: this.tableString(this.readMbUint32(), start), value: '' };
          into.push(current);
          continue;
        }
        case T.STR_I:
          part = this.readInlineString();
          break;
        case T.STR_T:
          part = this.tableString(this.readMbUint32(), start);
          break;
        case T.ENTITY:
          part = codePointString(this.readMbUint32(), start);
          break;
        case 0x40:
        case 0x41:
        case 0x42:
          part = this.readInlineString();
          break;
        case 0x80:
        case 0x81:
        case 0x82: {
          const ref = this.readMbUint32();
          part = ref < this.tableLength ? this.tableString(ref, start) : '';
          break;
        }
        case 0xc0:
        case 0xc1:
        case 0xc2:
          part = '';
          break;
        case T.OPAQUE: {
          const o = this.readOpaque(false);
          part = this.codec.decode(o.data, 0, o.data.length);
          break;
        }
        case T.PI:
        case T.LITERAL_C:
        case T.LITERAL_A:
        case T.LITERAL_AC:
          throw new WbxmlError(
            'unknown-token',
            `token 0x${hex(b)} is not allowed in an attribute list`,
            start,
          );
        default:
          if (b < 0x80) {
            const s = this.lang.attrStarts[this.attrPage]?.[b];
            if (s === undefined) {
              throw new WbxmlError(
                'unknown-token',
                `unknown attribute-start token 0x${hex(b)} on attribute code page ${this.attrPage}`,
                start,
              );
            }
            current = { name: s.name, value: s.valuePrefix };
            into.push(current);
            continue;
          } else {
            const v = this.lang.attrValues[this.attrPage]?.[b];
            if (v === undefined) {
              throw new WbxmlError(
                'unknown-token',
                `unknown attribute-value token 0x${hex(b)} on attribute code page ${this.attrPage}`,
                start,
              );
            }
            part = v;
          }
      }
      if (current === undefined) {
        throw new WbxmlError(
          'unknown-token',
          `attribute value before any attribute start (tag at byte ${tagOffset})`,
          start,
        );
      }
      current.value += part;
    }
  }

  private readPi(): XmlPi {
    const start = this.pos;
    const attrs: XmlAttribute[] = [];
    this.readAttributes(attrs, start - 1);
    if (attrs.length !== 1) {
      throw new WbxmlError('unknown-token', 'a PI must hold exactly one target', start);
    }
    return { kind: 'pi', target: attrs[0].name, data: attrs[0].value };
  }

  /** OPAQUE; with `tryNested`, bytes that decode as a WBXML document of a known language also get `nested`. */
  private readOpaque(tryNested: boolean): XmlOpaque {
    const lengthOffset = this.pos;
    const length = this.readMbUint32();
    if (length > this.end - this.pos) {
      throw new WbxmlError(
        'length-past-buffer',
        `OPAQUE length ${length} runs past the end of the document`,
        lengthOffset,
      );
    }
    // A plain copy, also for a Node Buffer (whose slice() would alias the caller's memory).
    const data = new Uint8Array(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    if (tryNested && data.length >= 4 && data[0] <= 0x03) {
      try {
        const nested = decodeWbxml(data, { ...this.options, language: undefined });
        if (nested.language !== undefined) return { kind: 'opaque', data, nested };
      } catch {
        // Not a WBXML document after all: keep the bytes.
      }
    }
    return { kind: 'opaque', data };
  }

  private readByte(): number {
    if (this.pos >= this.end) {
      throw new WbxmlError('truncated', 'unexpected end of document', this.pos);
    }
    return this.bytes[this.pos++];
  }

  /** mb_u_int32: at most 5 bytes and 32 bits (WAP-192 §5.1). */
  private readMbUint32(): number {
    const bytes = this.bytes;
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) {
        throw new WbxmlError('truncated', 'document ends inside a multi-byte integer', start);
      }
      const b = bytes[this.pos++];
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) {
          throw new WbxmlError('overlong-integer', 'multi-byte integer exceeds 32 bits', start);
        }
        return value;
      }
    }
    throw new WbxmlError('overlong-integer', 'multi-byte integer longer than 5 bytes', start);
  }

  private readInlineString(): string {
    const bytes = this.bytes;
    const start = this.pos;
    const codec = this.codec;
    let i = start;
    if (codec === UTF8) {
      // One pass for the common case: short ASCII, built while looking for the NUL.
      const end = this.end;
      let s = '';
      let b = 0;
      while (i < end && (b = bytes[i]) !== 0 && b < 0x80 && i - start < 32) {
        s += String.fromCharCode(b);
        i++;
      }
      if (i < end && b === 0) {
        this.pos = i + 1;
        return s;
      }
      while (i < end && bytes[i] !== 0) i++;
      if (i >= end) {
        throw new WbxmlError('truncated', 'inline string has no terminating NUL', start - 1);
      }
      this.pos = i + 1;
      return decodeUtf8(bytes, start, i);
    }
    if (codec.unitSize === 1) {
      while (i < this.end && bytes[i] !== 0) i++;
      if (i >= this.end) {
        throw new WbxmlError('truncated', 'inline string has no terminating NUL', start - 1);
      }
      this.pos = i + 1;
      return codec.decode(bytes, start, i);
    }
    while (i + 1 < this.end && (bytes[i] !== 0 || bytes[i + 1] !== 0)) i += 2;
    if (i + 1 >= this.end) {
      throw new WbxmlError('truncated', 'inline string has no terminating NUL', start - 1);
    }
    this.pos = i + 2;
    return codec.decode(bytes, start, i);
  }

  private tableString(offset: number, tokenOffset: number): string {
    if (offset >= this.tableLength) {
      throw new WbxmlError(
        'string-table-range',
        `string-table offset ${offset} is outside the ${this.tableLength}-byte table`,
        tokenOffset,
      );
    }
    const cached = this.tableCache?.get(offset);
    if (cached !== undefined) return cached;
    const bytes = this.bytes;
    const start = this.tableStart + offset;
    const tableEnd = this.tableStart + this.tableLength;
    let i = start;
    if (this.codec.unitSize === 1) {
      while (i < tableEnd && bytes[i] !== 0) i++;
    } else {
      while (i + 1 < tableEnd && (bytes[i] !== 0 || bytes[i + 1] !== 0)) i += 2;
      if (i + 1 >= tableEnd) i = tableEnd;
    }
    if (i >= tableEnd) {
      throw new WbxmlError(
        'string-table-range',
        `string at table offset ${offset} is not NUL-terminated inside the table`,
        tokenOffset,
      );
    }
    const s = this.codec.decode(bytes, start, i);
    (this.tableCache ??= new Map()).set(offset, s);
    return s;
  }
}

function codePointString(codePoint: number, offset: number): string {
  if (codePoint > 0x10ffff) {
    throw new WbxmlError('unknown-token', `ENTITY code point ${codePoint} is not Unicode`, offset);
  }
  return String.fromCodePoint(codePoint);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
