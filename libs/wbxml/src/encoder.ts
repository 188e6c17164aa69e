import { AttributeValueSplitter } from './attribute-value-splitter';
import { ByteWriter } from './byte-writer';
import { WbxmlError } from './errors';
import {
  AttrStartToken,
  CompiledLanguage,
  detectLanguage,
  getLanguage,
  TagToken,
} from './languages/registry';
import type { LanguageId } from './languages/language-definition';
import { XmlAttribute, XmlDocument, XmlElement, XmlNode, XmlPi } from './model';
import { StringTable, StringUseCounter } from './string-table';
import * as T from './tokens';

export interface EncodeOptions {
  /** Vocabulary; default: the document's `language`, else its DOCTYPE public id, else its root element. */
  language?: LanguageId;
  /** WBXML version byte: 0x01, 0x02 or 0x03 (default 0x03 = 1.3). The token stream is the same. */
  version?: number;
  /** Put strings used more than once into the string table (default false: STR_I only, deterministic). */
  stringTable?: boolean;
  /**
   * PROV: switch the attribute code page back to 0 before each attribute-list END (two extra bytes),
   * for handsets whose parser resets the attribute page per element. Default false = libwbxml/Kannel bytes.
   */
  resetAttributePage?: boolean;
  /**
   * SyncML: send <Data> text of an <Item> in <Add>/<Replace> as OPAQUE, as libwbxml does. Default false
   * (STR_I, the canonical form of ../shared/vectors/*.canonical.wbxml).
   */
  opaqueItemData?: boolean;
  /** Deepest element nesting accepted (default 256). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 256;
const CHARSET_UTF8 = 106;
const splitters = new WeakMap<CompiledLanguage, AttributeValueSplitter>();
/** Reused body buffer for top-level encodes (nested documents get their own). */
const scratch = new ByteWriter(4096);
let scratchInUse = false;
const headerScratch = new ByteWriter(32);
const SCRATCH_KEEP_LIMIT = 1 << 20;

/** Encodes a document as WBXML (UTF-8). Throws WbxmlError for trees it cannot express. */
export function encodeWbxml(doc: XmlDocument, options: EncodeOptions = {}): Uint8Array {
  const lang = resolveLanguage(doc, options);
  const version = options.version ?? 0x03;
  if (version !== 0x01 && version !== 0x02 && version !== 0x03) {
    throw new WbxmlError('unsupported-version', `cannot encode WBXML version byte ${version}`, -1);
  }
  const useScratch = !scratchInUse;
  const body = useScratch ? scratch : new ByteWriter(1024);
  if (useScratch) scratchInUse = true;
  try {
    body.reset();
    const table = new StringTable();
    // A literal public id lives at the start of the string table (as libwbxml writes it).
    const publicIdIndex = lang.def.publicIdCode === undefined ? table.add(lang.def.publicId) : -1;
    const encoder = new BodyEncoder(lang, body, table, options);
    if (options.stringTable) encoder.planStringTable(doc.root);
    encoder.encodeDocumentBody(doc);

    const header = headerScratch;
    header.reset();
    header.byte(version);
    if (publicIdIndex >= 0) {
      header.byte(0x00);
      header.mbUint32(publicIdIndex);
    } else {
      header.mbUint32(lang.def.publicIdCode!);
    }
    header.mbUint32(CHARSET_UTF8);
    header.mbUint32(table.size);
    const out = new Uint8Array(header.length + table.size + body.length);
    out.set(header.buf.subarray(0, header.length), 0);
    if (table.size > 0) out.set(table.writer.buf.subarray(0, table.size), header.length);
    out.set(body.buf.subarray(0, body.length), header.length + table.size);
    return out;
  } finally {
    if (useScratch) {
      scratchInUse = false;
      // Do not keep a huge buffer alive after one huge document.
      if (scratch.buf.length > SCRATCH_KEEP_LIMIT) scratch.buf = new Uint8Array(4096);
    }
  }
}

function resolveLanguage(doc: XmlDocument, options: EncodeOptions): CompiledLanguage {
  const id = options.language ?? doc.language;
  if (id !== undefined) return getLanguage(id);
  const detected = detectLanguage(doc.root.name, doc.root.attributes, doc.publicId);
  if (detected === undefined) {
    throw new WbxmlError(
      'no-language',
      `cannot tell the WBXML language of <${doc.root.name}>: give a DOCTYPE or options.language`,
      -1,
    );
  }
  return detected;
}

class BodyEncoder {
  private tagPage = 0;
  private attrPage = 0;
  private readonly useTable: boolean;
  private readonly maxDepth: number;
  private readonly splitter: AttributeValueSplitter | undefined;
  private readonly ancestors: string[] = [];

  constructor(
    private readonly lang: CompiledLanguage,
    private readonly out: ByteWriter,
    private readonly table: StringTable,
    private readonly options: EncodeOptions,
  ) {
    this.useTable = options.stringTable === true;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (lang.hasAttributeValueTokens) {
      let s = splitters.get(lang);
      if (s === undefined) {
        s = new AttributeValueSplitter(lang.attrValueList);
        splitters.set(lang, s);
      }
      this.splitter = s;
    }
  }

  /** Pass 1 (string table only): count strings, table the repeated ones. */
  planStringTable(root: XmlElement): void {
    const counter = new StringUseCounter();
    const visit = (el: XmlElement): void => {
      for (const a of el.attributes) if (a.name !== 'xmlns') counter.see(a.value);
      for (const c of el.children) {
        if (c.kind === 'text') counter.see(c.text);
        else if (c.kind === 'element') visit(c);
      }
    };
    visit(root);
    for (const s of counter.repeated()) this.table.add(s);
  }

  encodeDocumentBody(doc: XmlDocument): void {
    if (doc.prolog) for (const pi of doc.prolog) this.encodePi(pi);
    this.encodeElement(doc.root, undefined, 0);
    if (doc.epilog) for (const pi of doc.epilog) this.encodePi(pi);
  }

  private encodeElement(el: XmlElement, inheritedNs: string | undefined, depth: number): void {
    if (depth >= this.maxDepth) {
      throw new WbxmlError(
        'depth-limit',
        `elements nested deeper than the limit of ${this.maxDepth}`,
        -1,
      );
    }
    const out = this.out;
    const lang = this.lang;
    // xmlns naming one of the language's pages is carried by the code page, not as an attribute.
    let ns = inheritedNs;
    let attributes = el.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const a = attributes[i];
      if (a.name === 'xmlns' && lang.pageByNamespace.has(a.value)) {
        ns = a.value;
        attributes = attributes.filter((x) => x !== a);
        break;
      }
    }
    const token = this.pickTag(el.name, ns);
    if (token !== undefined && token.namespace !== undefined) ns = token.namespace;

    const nestedLanguage = lang.nested.get(el.name);
    const children = el.children;
    let hasContent = false;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.kind !== 'text' || c.text !== '') {
        hasContent = true;
        break;
      }
    }
    const hasAttributes = attributes.length > 0;
    const flags = (hasAttributes ? T.TAG_HAS_ATTRIBUTES : 0) | (hasContent ? T.TAG_HAS_CONTENT : 0);

    if (token !== undefined) {
      if (token.page !== this.tagPage) {
        out.byte(T.SWITCH_PAGE);
        out.byte(token.page);
        this.tagPage = token.page;
      }
      out.byte(token.token | flags);
    } else {
      out.byte(T.LITERAL | flags);
      out.mbUint32(this.table.add(el.name));
    }

    if (hasAttributes) {
      for (const a of attributes) this.encodeAttribute(a);
      if (this.options.resetAttributePage && this.attrPage !== 0) {
        out.byte(T.SWITCH_PAGE);
        out.byte(0);
        this.attrPage = 0;
      }
      out.byte(T.END);
    }
    if (!hasContent) return;

    const trackAncestors = this.options.opaqueItemData === true;
    const asOpaque = trackAncestors && this.isItemData(el.name);
    if (trackAncestors) this.ancestors.push(el.name);
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.kind === 'element') {
        const nestedId = nestedLanguage?.get(c.name);
        if (nestedId !== undefined) this.encodeNested(c, nestedId);
        else this.encodeElement(c, ns, depth + 1);
      } else if (c.kind === 'text') {
        if (c.text === '') continue;
        if (asOpaque) this.writeOpaque(utf8(c.text));
        else this.writeString(c.text);
      } else {
        this.encodeLeafNode(c);
      }
    }
    if (trackAncestors) this.ancestors.pop();
    out.byte(T.END);
  }

  /** Token for a tag: the page of the namespace in scope first, then the lowest page that has it. */
  private pickTag(name: string, ns: string | undefined): TagToken | undefined {
    const candidates = this.lang.tagsByName.get(name);
    if (candidates === undefined) return undefined;
    if (candidates.length === 1 || ns === undefined) return candidates[0];
    for (const c of candidates) if (c.namespace === ns) return c;
    return candidates[0];
  }

  private isItemData(name: string): boolean {
    if (name !== 'Data') return false;
    const a = this.ancestors;
    const n = a.length;
    return n >= 2 && a[n - 1] === 'Item' && (a[n - 2] === 'Add' || a[n - 2] === 'Replace');
  }

  private encodeNested(child: XmlElement, language: LanguageId): void {
    const inner = encodeWbxml(
      { root: child, language },
      {
        version: this.options.version,
        stringTable: this.options.stringTable,
        maxDepth: this.maxDepth,
      },
    );
    this.writeOpaque(inner);
  }

  private encodeLeafNode(node: Exclude<XmlNode, XmlElement | { kind: 'text' }>): void {
    const out = this.out;
    switch (node.kind) {
      case 'opaque':
        this.writeOpaque(node.data);
        return;
      case 'entity':
        out.byte(T.ENTITY);
        out.mbUint32(node.codePoint);
        return;
      case 'pi':
        this.encodePi(node);
        return;
      case 'ext':
        if (node.index < 0 || node.index > 2) {
          throw new WbxmlError(
            'invalid-tree',
            `extension index ${node.index} is not 0, 1 or 2`,
            -1,
          );
        }
        if (node.form === 'inline') {
          out.byte(T.EXT_I_0 + node.index);
          out.utf8Terminated(node.value ?? '');
        } else if (node.form === 'table') {
          out.byte(T.EXT_T_0 + node.index);
          out.mbUint32(node.tableRef ?? this.table.add(node.value ?? ''));
        } else {
          out.byte(T.EXT_0 + node.index);
        }
        return;
    }
  }

  private encodePi(pi: XmlPi): void {
    this.out.byte(T.PI);
    this.encodeAttribute({ name: pi.target, value: pi.data });
    this.out.byte(T.END);
  }

  /**
   * attrStart (+ value tokens / strings). Token choice follows libwbxml: an exact name+value entry wins;
   * else the longest entry whose value is a prefix of ours; else the bare-name entry; else LITERAL.
   */
  private encodeAttribute(a: XmlAttribute): void {
    const out = this.out;
    const value = a.value;
    const choice = this.lang.attrStartsByName.get(a.name);
    let best: AttrStartToken | undefined;
    let bestLength = 0;
    if (choice !== undefined) {
      const exact = choice.exact.get(value);
      if (exact !== undefined) {
        this.switchAttrPage(exact.page);
        out.byte(exact.token);
        return;
      }
      for (const e of choice.prefixes) {
        if (e.valuePrefix.length < value.length && value.startsWith(e.valuePrefix)) {
          best = e;
          bestLength = e.valuePrefix.length;
          break;
        }
      }
      best ??= choice.bare;
    }
    let rest = value;
    if (best !== undefined) {
      this.switchAttrPage(best.page);
      out.byte(best.token);
      if (bestLength > 0) rest = value.slice(bestLength);
    } else {
      out.byte(T.LITERAL);
      out.mbUint32(this.table.add(a.name));
    }
    if (rest === '') return;
    const pieces = this.splitter?.split(rest);
    if (pieces === undefined) {
      this.writeString(rest);
      return;
    }
    for (const p of pieces) {
      if (typeof p === 'string') {
        this.writeString(p);
      } else {
        this.switchAttrPage(p.page);
        out.byte(p.token);
      }
    }
  }

  private switchAttrPage(page: number): void {
    if (page !== this.attrPage) {
      this.out.byte(T.SWITCH_PAGE);
      this.out.byte(page);
      this.attrPage = page;
    }
  }

  private writeString(s: string): void {
    if (this.useTable) {
      const offset = this.table.offsetOf(s);
      if (offset !== undefined) {
        this.out.byte(T.STR_T);
        this.out.mbUint32(offset);
        return;
      }
    }
    this.out.byte(T.STR_I);
    this.out.utf8Terminated(s);
  }

  private writeOpaque(data: Uint8Array): void {
    this.out.byte(T.OPAQUE);
    this.out.mbUint32(data.length);
    this.out.bytes(data);
  }
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
