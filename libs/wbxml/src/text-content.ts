import { XmlElement, XmlNode } from './model';
import { opaqueAsText } from './xml/serialize';

/**
 * The character data of an element as one string: text, OPAQUE bytes read as UTF-8 (base64 if not
 * text) and entities. Protocol code uses this for PCDATA, which may arrive as STR_I, STR_T or OPAQUE.
 */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += nodeText(c);
  return s;
}

function nodeText(n: XmlNode): string {
  switch (n.kind) {
    case 'text':
      return n.text;
    case 'opaque':
      return opaqueAsText(n.data);
    case 'entity':
      return String.fromCodePoint(n.codePoint);
    case 'ext':
      return n.value ?? '';
    default:
      return '';
  }
}

/** First child element with this name, or undefined. */
export function childElement(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.kind === 'element' && c.name === name) return c;
  return undefined;
}

/** All child elements with this name (all child elements when no name is given). */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind === 'element' && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}
