import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlParseError } from '../errors';
import { XmlDocument, XmlElement, XmlNode, XmlPi } from '../model';
import { ParseXmlOptions } from './scanner';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: false,
  processEntities: true,
  htmlEntities: true,
  allowBooleanAttributes: true,
  commentPropName: '#comment',
});

type FxpNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const DOCTYPE =
  /<!DOCTYPE\s+[^\s>[]+(?:\s+(?:PUBLIC\s+("[^"]*"|'[^']*')(?:\s+("[^"]*"|'[^']*'))?|SYSTEM\s+("[^"]*"|'[^']*')))?/;

/**
 * The reference XML reader: fast-xml-parser with order preserved, mapped onto the same model as
 * parseXml. Slower; used where speed does not matter and as the oracle in differential tests.
 */
export function parseXmlReference(source: string, options: ParseXmlOptions = {}): XmlDocument {
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new XmlParseError(msg, offsetOf(source, line, col), source);
  }
  const nodes = parser.parse(source) as FxpNode[];
  const doc: Partial<XmlDocument> = {};
  const m = DOCTYPE.exec(source);
  if (m) {
    if (m[1] !== undefined) doc.publicId = m[1].slice(1, -1);
    const sys = m[2] ?? m[3];
    if (sys !== undefined) doc.systemId = sys.slice(1, -1);
  }
  let root: XmlElement | undefined;
  const prolog: XmlPi[] = [];
  const epilog: XmlPi[] = [];
  for (const n of nodes) {
    const converted = convert(n, options.keepWhitespace === true);
    if (converted === undefined) continue;
    if (converted.kind === 'element') {
      if (root !== undefined) throw new XmlParseError('a second root element', 0, source);
      root = converted;
    } else if (converted.kind === 'pi') {
      (root === undefined ? prolog : epilog).push(converted);
    }
  }
  if (root === undefined) throw new XmlParseError('no root element', 0, source);
  const out: XmlDocument = { root, ...doc };
  if (prolog.length > 0) out.prolog = prolog;
  if (epilog.length > 0) out.epilog = epilog;
  return out;
}

function convert(n: FxpNode, keepWhitespace: boolean): XmlNode | undefined {
  for (const key of Object.keys(n)) {
    if (key === ':@') continue;
    if (key === '#text') {
      const t = String(n[key]);
      return keepWhitespace || t.trim() !== '' ? { kind: 'text', text: t } : undefined;
    }
    if (key === '#comment') return undefined;
    if (key.startsWith('?')) {
      const attrs = n[':@'] ?? {};
      const data = Object.entries(attrs)
        .map(([k, v]) => `${k}="${v}"`)
        .join(' ');
      return { kind: 'pi', target: key.slice(1), data };
    }
    const el: XmlElement = { kind: 'element', name: key, attributes: [], children: [] };
    const attrs = n[':@'];
    if (attrs)
      for (const [name, value] of Object.entries(attrs))
        el.attributes.push({ name, value: String(value) });
    for (const c of n[key] as FxpNode[]) {
      const child = convert(c, keepWhitespace);
      if (child === undefined) continue;
      const last = el.children[el.children.length - 1];
      if (child.kind === 'text' && last !== undefined && last.kind === 'text')
        last.text += child.text;
      else el.children.push(child);
    }
    return el;
  }
  return undefined;
}

function offsetOf(source: string, line: number, col: number): number {
  let l = 1;
  let i = 0;
  while (l < line && i < source.length) {
    const nl = source.indexOf('\n', i);
    if (nl < 0) break;
    i = nl + 1;
    l++;
  }
  return Math.min(source.length, i + Math.max(0, col - 1));
}
