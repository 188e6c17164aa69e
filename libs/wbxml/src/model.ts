import type { LanguageId } from './languages/language-definition';

/**
 * The document model shared by the WBXML codec and the XML text layer.
 * Children keep document order; attributes keep their order too (WBXML encodes them in order).
 */
export type XmlNode = XmlElement | XmlText | XmlOpaque | XmlEntity | XmlPi | XmlExtension;

export interface XmlAttribute {
  name: string;
  value: string;
}

export interface XmlElement {
  kind: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

export interface XmlText {
  kind: 'text';
  text: string;
}

/** Binary content (WBXML OPAQUE). `nested` holds a decoded inner WBXML document when asked for. */
export interface XmlOpaque {
  kind: 'opaque';
  data: Uint8Array;
  nested?: XmlDocument;
}

/** A character entity kept as such (WBXML ENTITY); its code point. */
export interface XmlEntity {
  kind: 'entity';
  codePoint: number;
}

/** Processing instruction (WBXML PI), kept rather than dropped. */
export interface XmlPi {
  kind: 'pi';
  target: string;
  data: string;
}

/** WBXML extension tokens (EXT_I_n, EXT_T_n, EXT_n), kept rather than dropped. */
export interface XmlExtension {
  kind: 'ext';
  /** 0, 1 or 2 */
  index: number;
  form: 'inline' | 'table' | 'empty';
  /** string for inline, string-table offset's string for table */
  value?: string;
  /** for EXT_T_n: the mb_u_int32 value as found */
  tableRef?: number;
}

export interface XmlDocument {
  /** Root element. */
  root: XmlElement;
  /** DOCTYPE public identifier, e.g. "-//SYNCML//DTD SyncML 1.2//EN", when known. */
  publicId?: string;
  /** DOCTYPE system identifier when present in XML text. */
  systemId?: string;
  /** WBXML header facts when the document came from WBXML. */
  wbxml?: { version: number; publicIdCode?: number; charset: number };
  /** The WBXML vocabulary the document was decoded with (or should be encoded with). */
  language?: LanguageId;
  /** Processing instructions before the root element (the XML declaration is not one of them). */
  prolog?: XmlPi[];
  /** Processing instructions after the root element. */
  epilog?: XmlPi[];
}

export function element(
  name: string,
  attributes: XmlAttribute[] | Record<string, string> = [],
  children: XmlNode[] = [],
): XmlElement {
  const attrs = Array.isArray(attributes)
    ? attributes
    : Object.entries(attributes).map(([n, v]) => ({ name: n, value: v }));
  return { kind: 'element', name, attributes: attrs, children };
}

export function text(value: string): XmlText {
  return { kind: 'text', text: value };
}

export function opaque(data: Uint8Array): XmlOpaque {
  return { kind: 'opaque', data };
}
