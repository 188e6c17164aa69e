import type { XmlElement, XmlNode } from '@dm-bridge/wbxml';
import { DmProtocolError } from '../errors';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Local name without a namespace prefix (`metinf:Type` -> `Type`). */
export function localName(el: XmlElement): string {
  const i = el.name.indexOf(':');
  return i < 0 ? el.name : el.name.slice(i + 1);
}

export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
}

export function findChild(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.kind === 'element' && localName(c) === name) return c;
  return undefined;
}

export function findChildren(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element' && localName(c) === name) out.push(c);
  return out;
}

function nodeText(n: XmlNode): string {
  switch (n.kind) {
    case 'text':
      return n.text;
    case 'opaque':
      return utf8.decode(n.data);
    case 'entity':
      return String.fromCodePoint(n.codePoint);
    case 'element':
      return n.children.map(nodeText).join('');
    default:
      return '';
  }
}

/** PCDATA of an element, trimmed; STR_I, STR_T, OPAQUE and entities all count as text. */
export function textOf(el: XmlElement): string {
  if (el.children.length === 1) return nodeText(el.children[0]).trim();
  return el.children.map(nodeText).join('').trim();
}

export function optText(parent: XmlElement, name: string): string | undefined {
  const c = findChild(parent, name);
  return c ? textOf(c) : undefined;
}

export function reqText(parent: XmlElement, name: string, where: string): string {
  const c = findChild(parent, name);
  if (!c) throw new DmProtocolError(`${where}: missing <${name}>`);
  return textOf(c);
}

export function optInt(parent: XmlElement, name: string, where: string): number | undefined {
  const t = optText(parent, name);
  if (t === undefined) return undefined;
  if (!/^\d{1,15}$/.test(t))
    throw new DmProtocolError(
      `${where}: <${name}> is not a number: ${JSON.stringify(t.slice(0, 32))}`,
    );
  return Number(t);
}

/** Raw bytes when the Data was OPAQUE only, else undefined. */
export function opaqueBytes(el: XmlElement): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  for (const c of el.children) {
    if (c.kind === 'opaque') {
      if (!bytes) bytes = c.data;
      else {
        const joined = new Uint8Array(bytes.length + c.data.length);
        joined.set(bytes);
        joined.set(c.data, bytes.length);
        bytes = joined;
      }
    } else if (c.kind === 'text' && c.text.trim() !== '') return undefined;
    else if (c.kind === 'element' || c.kind === 'entity') return undefined;
  }
  return bytes;
}
