/** The names callers use to pick a WBXML vocabulary. */
export type LanguageId =
  'syncml12' | 'syncml11' | 'metinf12' | 'devinf12' | 'devinf11' | 'prov10' | 'prov11' | 'dmddf12';

/** A tag token on a code page; `names` is listed in token order starting at 0x05. */
export interface TagPageDefinition {
  page: number;
  /** XML namespace the page stands for (SyncML pages), used for `xmlns` on decode and page choice on encode. */
  namespace?: string;
  /** token -> tag name */
  tags: ReadonlyArray<readonly [number, string]>;
}

/** An attribute-start token: a name, optionally with the beginning of its value. */
export interface AttributeStartDefinition {
  page: number;
  token: number;
  name: string;
  valuePrefix?: string;
  /** Recognised when decoding but never chosen by the encoder. */
  decodeOnly?: boolean;
}

export interface AttributeValueDefinition {
  page: number;
  token: number;
  value: string;
  decodeOnly?: boolean;
}

/**
 * A whole element child of `parentTag` that travels as a complete nested WBXML document inside OPAQUE
 * (e.g. DevInf inside SyncML <Data>).
 */
export interface NestedDocumentRule {
  parentTag: string;
  childTag: string;
  language: LanguageId;
}

/** Everything the codec needs to know about one vocabulary. Data only; compiled once by the registry. */
export interface LanguageDefinition {
  id: LanguageId;
  /** Well-known WBXML public id, or undefined when the FPI travels as a string-table literal. */
  publicIdCode?: number;
  publicId: string;
  systemId: string;
  rootTag: string;
  tagPages: readonly TagPageDefinition[];
  /** In the order libwbxml searches them (affects which token the encoder picks). */
  attributeStarts: readonly AttributeStartDefinition[];
  attributeValues: readonly AttributeValueDefinition[];
  nestedDocuments: readonly NestedDocumentRule[];
}

/** Numbers tokens consecutively from 0x05, the first application token. */
export function numberFrom5(names: readonly string[]): Array<readonly [number, string]> {
  return names.map((n, i) => [0x05 + i, n] as const);
}
