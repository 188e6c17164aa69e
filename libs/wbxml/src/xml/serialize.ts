import { getLanguage, languageForPublicId } from '../languages/registry';
import { XmlDocument, XmlElement, XmlNode, XmlOpaque } from '../model';
import { escapeAttribute, escapeText } from './entities';

export interface SerializeXmlOptions {
  /** Write `<?xml version="1.0" encoding="UTF-8"?>` (default true). */
  declaration?: boolean;
  /** Write `<!DOCTYPE ...>` when the public and system ids are known (default true). */
  doctype?: boolean;
  /** Indent element-only content: true = two spaces, or the indent string to use (default compact). */
  pretty?: boolean | string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Writes the document as XML text. OPAQUE becomes its nested document, UTF-8 text, or base64. */
export function serializeXml(doc: XmlDocument, options: SerializeXmlOptions = {}): string {
  const indent = options.pretty === true ? '  ' : options.pretty || '';
  const nl = indent === '' ? '' : '\n';
  let out = '';
  if (options.declaration !== false) out += '<?xml version="1.0" encoding="UTF-8"?>' + nl;
  if (options.doctype !== false && doc.publicId !== undefined) {
    // XML 1.0 ExternalID: PUBLIC needs both literals. Without a system id we know (the
    // document's, its language's, or the one registered for its public id, as libwbxml writes)
    // there is no well-formed DOCTYPE to write, so none is written.
    const systemId =
      doc.systemId ??
      (doc.language !== undefined
        ? getLanguage(doc.language).def.systemId
        : languageForPublicId(doc.publicId)?.def.systemId);
    if (systemId !== undefined) {
      out += `<!DOCTYPE ${doc.root.name} PUBLIC "${doc.publicId}" "${systemId}">` + nl;
    }
  }
  if (doc.prolog) for (const pi of doc.prolog) out += `<?${pi.target} ${pi.data}?>` + nl;
  out += writeElement(doc.root, indent, nl, '');
  if (doc.epilog) for (const pi of doc.epilog) out += nl + `<?${pi.target} ${pi.data}?>`;
  return out + nl;
}

function writeElement(el: XmlElement, indent: string, nl: string, prefix: string): string {
  let s = '<' + el.name;
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    s += ' ' + attrs[i].name + '="' + escapeAttribute(attrs[i].value) + '"';
  }
  const children = el.children;
  if (children.length === 0) return s + '/>';
  if (children.length === 1 && children[0].kind === 'text') {
    // the common leaf: <LocURI>./DevDetail/SwV</LocURI>
    return s + '>' + escapeText(children[0].text) + '</' + el.name + '>';
  }
  s += '>';
  let elementOnly = nl !== '';
  if (elementOnly) {
    for (let i = 0; i < children.length; i++) {
      const k = children[i].kind;
      if (k !== 'element' && k !== 'pi' && !(k === 'opaque' && (children[i] as XmlOpaque).nested)) {
        elementOnly = false;
        break;
      }
    }
  }
  const childPrefix = prefix + indent;
  for (let i = 0; i < children.length; i++) {
    if (elementOnly) s += nl + childPrefix;
    s += writeNode(children[i], indent, nl, childPrefix, elementOnly);
  }
  if (elementOnly) s += nl + prefix;
  return s + '</' + el.name + '>';
}

function writeNode(
  node: XmlNode,
  indent: string,
  nl: string,
  prefix: string,
  pretty: boolean,
): string {
  switch (node.kind) {
    case 'element':
      return writeElement(node, pretty ? indent : '', pretty ? nl : '', prefix);
    case 'text':
      return escapeText(node.text);
    case 'opaque':
      if (node.nested)
        return writeElement(node.nested.root, pretty ? indent : '', pretty ? nl : '', prefix);
      return escapeText(opaqueAsText(node.data));
    case 'entity':
      return isXmlChar(node.codePoint) ? `&#${node.codePoint};` : '\ufffd';
    case 'pi':
      return `<?${node.target} ${node.data}?>`;
    case 'ext':
      return escapeText(node.value ?? '');
  }
}

/** XML 1.0 Char production: what a character reference may name. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** UTF-8 text when the bytes are printable UTF-8, else base64 (XML cannot carry raw binary). */
export function opaqueAsText(data: Uint8Array): string {
  let printable = true;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) {
      printable = false;
      break;
    }
  }
  if (printable) {
    try {
      return strictUtf8.decode(data);
    } catch {
      // not UTF-8: fall through to base64
    }
  }
  return base64(data);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64(data: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < data.length) {
    const n = (data[i] << 16) | ((data[i + 1] ?? 0) << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63];
    s += i + 1 < data.length ? B64[(n >> 6) & 63] + '=' : '==';
  }
  return s;
}
