import { WbxmlError } from '../errors';
import { devinf11, devinf12 } from './devinf';
import { LanguageDefinition, LanguageId, NestedDocumentRule } from './language-definition';
import { prov10, prov11 } from './prov';
import { dmddf12, metinf12, syncml11, syncml12 } from './syncml';

export interface TagToken {
  page: number;
  token: number;
  namespace: string | undefined;
}

export interface AttrStartToken {
  page: number;
  token: number;
  name: string;
  /** '' when the token carries no value prefix */
  valuePrefix: string;
  hasPrefix: boolean;
}

/**
 * The attribute-start tokens of one attribute name, arranged for libwbxml's choice rule: the first
 * exact name+value entry; else the longest entry whose value is a strict prefix (earliest on ties);
 * else the first bare-name entry.
 */
export interface AttrStartChoice {
  exact: ReadonlyMap<string, AttrStartToken>;
  /** prefix entries, longest first, table order within a length */
  prefixes: readonly AttrStartToken[];
  bare: AttrStartToken | undefined;
}

export interface AttrValueToken {
  page: number;
  token: number;
  value: string;
}

/** A language's tables compiled into the shapes the codec's hot loops want (built once). */
export interface CompiledLanguage {
  readonly def: LanguageDefinition;
  readonly id: LanguageId;
  /** [page][token] -> tag name */
  readonly tagNames: ReadonlyArray<ReadonlyArray<string | undefined> | undefined>;
  /** [page] -> namespace */
  readonly pageNamespaces: ReadonlyArray<string | undefined>;
  /** [page][token] -> attribute start */
  readonly attrStarts: ReadonlyArray<ReadonlyArray<AttrStartToken | undefined> | undefined>;
  /** [page][token] -> attribute value */
  readonly attrValues: ReadonlyArray<ReadonlyArray<string | undefined> | undefined>;
  /** tag name -> candidate tokens, pages in ascending order */
  readonly tagsByName: ReadonlyMap<string, readonly TagToken[]>;
  /** namespace -> page */
  readonly pageByNamespace: ReadonlyMap<string, number>;
  /** attribute name -> its start tokens (encodable ones only) */
  readonly attrStartsByName: ReadonlyMap<string, AttrStartChoice>;
  /** value tokens in search order (encodable ones only) */
  readonly attrValueList: readonly AttrValueToken[];
  readonly hasAttributeValueTokens: boolean;
  /** parent tag -> (child tag -> nested language) */
  readonly nested: ReadonlyMap<string, ReadonlyMap<string, LanguageId>>;
}

const DEFINITIONS: Record<LanguageId, LanguageDefinition> = {
  syncml12,
  syncml11,
  metinf12,
  devinf12,
  devinf11,
  prov10,
  prov11,
  dmddf12,
};

export const LANGUAGE_IDS = Object.keys(DEFINITIONS) as LanguageId[];

function setAt<T>(table: (T[] | undefined)[], page: number, token: number, value: T): void {
  const row = (table[page] ??= []);
  row[token] = value;
}

function compile(def: LanguageDefinition): CompiledLanguage {
  const tagNames: (string[] | undefined)[] = [];
  const pageNamespaces: (string | undefined)[] = [];
  const tagsByName = new Map<string, TagToken[]>();
  const pageByNamespace = new Map<string, number>();
  for (const p of def.tagPages) {
    pageNamespaces[p.page] = p.namespace;
    if (p.namespace !== undefined) pageByNamespace.set(p.namespace, p.page);
    for (const [token, name] of p.tags) {
      setAt(tagNames, p.page, token, name);
      const list = tagsByName.get(name) ?? [];
      list.push({ page: p.page, token, namespace: p.namespace });
      tagsByName.set(name, list);
    }
  }
  const attrStarts: (AttrStartToken[] | undefined)[] = [];
  const startsByName = new Map<string, AttrStartToken[]>();
  for (const a of def.attributeStarts) {
    const entry: AttrStartToken = {
      page: a.page,
      token: a.token,
      name: a.name,
      valuePrefix: a.valuePrefix ?? '',
      hasPrefix: a.valuePrefix !== undefined,
    };
    setAt(attrStarts, a.page, a.token, entry);
    if (a.decodeOnly) continue;
    const list = startsByName.get(a.name) ?? [];
    list.push(entry);
    startsByName.set(a.name, list);
  }
  const attrStartsByName = new Map<string, AttrStartChoice>();
  for (const [name, list] of startsByName) {
    const exact = new Map<string, AttrStartToken>();
    for (const e of list) if (e.hasPrefix && !exact.has(e.valuePrefix)) exact.set(e.valuePrefix, e);
    const prefixes = list
      .filter((e) => e.hasPrefix)
      .map((e, order) => ({ e, order }))
      .sort((x, y) => y.e.valuePrefix.length - x.e.valuePrefix.length || x.order - y.order)
      .map((x) => x.e);
    attrStartsByName.set(name, { exact, prefixes, bare: list.find((e) => !e.hasPrefix) });
  }
  const attrValues: (string[] | undefined)[] = [];
  const attrValueList: AttrValueToken[] = [];
  for (const v of def.attributeValues) {
    setAt(attrValues, v.page, v.token, v.value);
    if (!v.decodeOnly) attrValueList.push({ page: v.page, token: v.token, value: v.value });
  }
  const nested = new Map<string, Map<string, LanguageId>>();
  for (const r of def.nestedDocuments as NestedDocumentRule[]) {
    const m = nested.get(r.parentTag) ?? new Map<string, LanguageId>();
    m.set(r.childTag, r.language);
    nested.set(r.parentTag, m);
  }
  return {
    def,
    id: def.id,
    tagNames,
    pageNamespaces,
    attrStarts,
    attrValues,
    tagsByName,
    pageByNamespace,
    attrStartsByName,
    attrValueList,
    hasAttributeValueTokens: attrValueList.length > 0,
    nested,
  };
}

const compiled = new Map<LanguageId, CompiledLanguage>();
for (const id of LANGUAGE_IDS) compiled.set(id, compile(DEFINITIONS[id]));

/** Which language a well-known public id selects. PROV 1.1 has no id of its own (0x0B = prov10). */
const BY_PUBLIC_ID_CODE = new Map<number, LanguageId>([
  [0x1201, 'syncml12'],
  [0x0fd3, 'syncml11'],
  [0x1202, 'metinf12'],
  [0x1203, 'devinf12'],
  [0x0fd4, 'devinf11'],
  [0x0b, 'prov10'],
]);
const BY_PUBLIC_ID = new Map<string, LanguageId>(
  (['syncml12', 'syncml11', 'metinf12', 'devinf12', 'devinf11', 'prov10', 'dmddf12'] as const).map(
    (id) => [DEFINITIONS[id].publicId, id],
  ),
);

export function isLanguageId(value: string): value is LanguageId {
  return compiled.has(value as LanguageId);
}

export function getLanguage(id: LanguageId): CompiledLanguage {
  const lang = compiled.get(id);
  if (lang === undefined) throw new WbxmlError('no-language', `unknown WBXML language '${id}'`, -1);
  return lang;
}

export function languageForPublicIdCode(code: number): CompiledLanguage | undefined {
  const id = BY_PUBLIC_ID_CODE.get(code);
  return id === undefined ? undefined : compiled.get(id);
}

export function languageForPublicId(fpi: string): CompiledLanguage | undefined {
  const id = BY_PUBLIC_ID.get(fpi) ?? BY_PUBLIC_ID.get(fpi.trim());
  return id === undefined ? undefined : compiled.get(id);
}

/**
 * Picks a language from what an XML document declares: DOCTYPE public id first, then the root
 * element and its namespace / version attribute.
 */
export function detectLanguage(
  rootName: string,
  rootAttributes: ReadonlyArray<{ name: string; value: string }>,
  publicId?: string,
): CompiledLanguage | undefined {
  if (publicId !== undefined) {
    const byId = languageForPublicId(publicId);
    if (byId !== undefined) {
      if (byId.id === 'prov10' && attr(rootAttributes, 'version') === '1.1')
        return getLanguage('prov11');
      return byId;
    }
  }
  const xmlns = attr(rootAttributes, 'xmlns');
  switch (rootName) {
    case 'SyncML':
      return getLanguage(xmlns === 'SYNCML:SYNCML1.1' ? 'syncml11' : 'syncml12');
    case 'DevInf':
      return getLanguage('devinf12');
    case 'MetInf':
      return getLanguage('metinf12');
    case 'MgmtTree':
      return getLanguage('dmddf12');
    case 'wap-provisioningdoc':
      return getLanguage(attr(rootAttributes, 'version') === '1.1' ? 'prov11' : 'prov10');
    default:
      return undefined;
  }
}

function attr(
  attributes: ReadonlyArray<{ name: string; value: string }>,
  name: string,
): string | undefined {
  for (const a of attributes) if (a.name === name) return a.value;
  return undefined;
}
