/**
 * Rebuilds the element tree from Wireshark's XML dissector (fields xml.tag / xml.attribute /
 * xml.cdata), for SyncML sent as XML text. Wireshark leaves entity references as written, so the
 * five predefined entities and numeric references are resolved here; xmlns attributes are dropped
 * to match xml-reference.ts.
 */
import { PdmlNode, descendants } from './tshark';
import type { PlainElement, PlainNode } from './wbxml-view';

function resolveEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)),
      );
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[
      e.toLowerCase()
    ];
  });
}

function element(tag: PdmlNode): PlainElement {
  const name = /^<([^\s/>]+)/.exec(tag.show)?.[1];
  if (!name) throw new Error(`Wireshark xml.tag without a name: ${tag.show}`);
  const attributes: Record<string, string> = {};
  const children: PlainNode[] = [];
  for (const c of tag.children) {
    if (c.name === 'xml.attribute') {
      const m = /^([^=\s]+)\s*=\s*(["'])([\s\S]*)\2$/.exec(c.show);
      if (!m) throw new Error(`unreadable attribute in Wireshark's XML tree: ${c.show}`);
      if (m[1] !== 'xmlns' && !m[1].startsWith('xmlns:')) attributes[m[1]] = resolveEntities(m[3]);
    } else if (c.name === 'xml.tag') children.push(element(c));
    else if (c.name === 'xml.cdata') {
      const t = resolveEntities(c.show).trim();
      if (t) children.push(t);
    } else if (c.name === 'xml.cdatasection') {
      children.push(c.show.replace(/^<!\[CDATA\[/, '').replace(/\]\]>$/, ''));
    } else if (c.name !== '' && c.name !== 'xml.comment') {
      throw new Error(`Wireshark XML field ${c.name} is not modelled by xml-view.ts`);
    }
  }
  return { name, attributes, children };
}

/** The root element of the (first) XML layer of a packet. */
export function readXmlView(packet: PdmlNode): PlainElement {
  const layer = [...descendants(packet)].find((n) => n.kind === 'proto' && n.name === 'xml');
  if (!layer) throw new Error('Wireshark shows no XML layer in this packet');
  const roots = layer.children.filter((c) => c.name === 'xml.tag');
  if (roots.length !== 1)
    throw new Error(`expected one root element, Wireshark shows ${roots.length}`);
  return element(roots[0]);
}
