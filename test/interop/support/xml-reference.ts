/**
 * The expected side of the WBXML checks: the source XML parsed with fast-xml-parser (not with our
 * own scanner), reduced to what WBXML carries: no xmlns attributes (the code page says the
 * namespace), text trimmed and whitespace-only text dropped (as xml2wbxml and our encoder do).
 */
import { XMLParser } from 'fast-xml-parser';
import type { PlainElement, PlainNode } from './wbxml-view';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  processEntities: true,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function convert(tag: string, node: OrderedNode): PlainElement {
  const attrs = Object.entries(node[':@'] ?? {}).filter(
    ([k]) => k !== 'xmlns' && !k.startsWith('xmlns:'),
  );
  const children: PlainNode[] = [];
  let text = '';
  const flush = (): void => {
    const t = text.trim();
    if (t) children.push(t);
    text = '';
  };
  for (const child of (node[tag] as OrderedNode[]) ?? []) {
    const key = Object.keys(child).find((k) => k !== ':@')!;
    if (key === '#text') text += String(child['#text']);
    else if (key === '#cdata')
      text += (child['#cdata'] as OrderedNode[]).map((c) => String(c['#text'])).join('');
    else if (key === '#comment' || key.startsWith('?')) continue;
    else {
      flush();
      children.push(convert(key, child));
    }
  }
  flush();
  return { name: tag, attributes: Object.fromEntries(attrs), children };
}

/** Root element of `xml` as a plain tree comparable with `toPlain(readWbxmlView(...).root)`. */
export function referenceTree(xml: string): PlainElement {
  const doc = parser.parse(xml) as OrderedNode[];
  const root = doc.find((n) => {
    const k = Object.keys(n).find((x) => x !== ':@')!;
    return !k.startsWith('?') && k !== '#comment' && k !== '#text';
  });
  if (!root) throw new Error('no root element in reference XML');
  const tag = Object.keys(root).find((k) => k !== ':@')!;
  return convert(tag, root);
}

/** Elements (by path from the root) that declare the given namespace, e.g. syncml:metinf. */
export function elementsInNamespace(xml: string, ns: string): string[] {
  const out: string[] = [];
  const walk = (
    tag: string,
    node: OrderedNode,
    prefix: string,
    inherited: string | undefined,
  ): void => {
    const here = `${prefix}/${tag}`;
    const own = node[':@']?.xmlns ?? inherited;
    if (own?.toLowerCase() === ns.toLowerCase()) out.push(here);
    for (const child of (node[tag] as OrderedNode[]) ?? []) {
      const key = Object.keys(child).find((k) => k !== ':@')!;
      if (key.startsWith('#') || key.startsWith('?')) continue;
      walk(key, child, here, own);
    }
  };
  const doc = parser.parse(xml) as OrderedNode[];
  for (const n of doc) {
    const key = Object.keys(n).find((k) => k !== ':@')!;
    if (!key.startsWith('#') && !key.startsWith('?')) walk(key, n, '', undefined);
  }
  return out;
}
