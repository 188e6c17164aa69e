import fc from 'fast-check';
import {
  getLanguage,
  LanguageId,
  XmlAttribute,
  XmlDocument,
  XmlElement,
  XmlNode,
} from '@dm-bridge/wbxml';

/** Strings that exercise UTF-8, XML escaping and PROV value-token splitting; never NUL. */
export const textArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
      fc.constantFrom('é', '€', '日本', '😀', '&', '<', '>', '"', "'", ' ', '\t', '\r\n'),
      fc.constantFrom('IPV4', 'HTTP-', 'BASIC', ',', 'DIGEST', 'APN', 'NAME', 'GSM-GPRS', 'w7'),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => parts.join(''));

/** A tag of the language with the namespace the decoder will report for it. */
interface TagChoice {
  name: string;
  namespace: string | undefined;
}

function tagChoices(id: LanguageId): TagChoice[] {
  const lang = getLanguage(id);
  const out: TagChoice[] = [];
  for (const [name, tokens] of lang.tagsByName) {
    for (const t of tokens) out.push({ name, namespace: t.namespace });
  }
  return out;
}

/** Names no table knows: they travel as LITERAL tags. */
const UNKNOWN_TAGS = ['XVendor', 'x-ext', 'Ünïcode'];
const PROV_ATTRIBUTE_NAMES = ['name', 'value', 'type', 'version', 'x-vendor'];
const PROV_VALUES = [
  'NAME',
  'APPID',
  'PXLOGICAL',
  'APPLICATION',
  'NAP-ADDRESS',
  'NAP-ADDRESSX',
  '1.0',
  '1.1',
  'IPV6',
  'HTTP-BASIC,HTTP-DIGEST',
  'APPSRV',
  '',
];

interface GenSpec {
  tags: TagChoice[];
  attributes: boolean;
  noLiterals?: boolean;
  /** tags that must not appear below the root (e.g. DevInf inside SyncML Data becomes OPAQUE) */
  exclude: Set<string>;
}

function specFor(id: LanguageId): GenSpec {
  const all = tagChoices(id);
  const rootTag = getLanguage(id).def.rootTag;
  return {
    tags: all.filter((t) => t.name !== rootTag || id.startsWith('prov')),
    attributes: id.startsWith('prov'),
    exclude: new Set(['DevInf']),
  };
}

function attributesArb(spec: GenSpec): fc.Arbitrary<XmlAttribute[]> {
  if (!spec.attributes) return fc.constant([]);
  const names = spec.noLiterals
    ? PROV_ATTRIBUTE_NAMES.filter((n) => !n.startsWith('x-'))
    : PROV_ATTRIBUTE_NAMES;
  return fc
    .uniqueArray(
      fc.record({
        name: fc.constantFrom(...names),
        value: fc.oneof(fc.constantFrom(...PROV_VALUES), textArb),
      }),
      { selector: (a) => a.name, maxLength: 3 },
    )
    .map((attrs) => attrs.map((a) => ({ name: a.name, value: a.value })));
}

const leafArb: fc.Arbitrary<XmlNode> = fc.oneof(
  { weight: 6, arbitrary: textArb.map((t) => ({ kind: 'text', text: t }) as XmlNode) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 12 })
      .map((data) => ({ kind: 'opaque', data }) as XmlNode),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 0x10ffff })
      .map((codePoint) => ({ kind: 'entity', codePoint }) as XmlNode),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ index: fc.integer({ min: 0, max: 2 }), value: textArb })
      .map(({ index, value }) => ({ kind: 'ext', index, form: 'inline', value }) as XmlNode),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 2 })
      .map((index) => ({ kind: 'ext', index, form: 'empty' }) as XmlNode),
  },
  {
    weight: 1,
    arbitrary: textArb.map((data) => ({ kind: 'pi', target: 'x-pi', data }) as XmlNode),
  },
);

/**
 * A random document of the language, shaped exactly as the decoder reports it: xmlns on the root and
 * wherever the code page's namespace changes, literal tags inheriting their parent's namespace.
 */
export interface DocumentArbOptions {
  /** only text leaves (what XML text can carry without loss) */
  textOnly?: boolean;
  /** no unknown tags or attributes (libwbxml cannot encode LITERALs without a string table) */
  noLiterals?: boolean;
  /** text without leading/trailing whitespace (libwbxml trims) */
  trimmed?: boolean;
  /** leave out tags of these code pages */
  excludePages?: number[];
}

export function documentArb(id: LanguageId, options: DocumentArbOptions = {}) {
  const spec = specFor(id);
  if (options.excludePages) {
    const pages = getLanguage(id).pageByNamespace;
    const excluded = new Set(
      [...pages].filter(([, p]) => options.excludePages!.includes(p)).map(([ns]) => ns),
    );
    spec.tags = spec.tags.filter((t) => t.namespace === undefined || !excluded.has(t.namespace));
  }
  if (options.noLiterals) spec.noLiterals = true;
  const text = options.trimmed ? textArb.map((t) => t.trim()).filter((t) => t !== '') : textArb;
  const lang = getLanguage(id);
  const rootNs = lang.tagsByName.get(lang.def.rootTag)![0].namespace;
  const leaf = options.textOnly ? text.map((t) => ({ kind: 'text', text: t }) as XmlNode) : leafArb;
  const knownTag = fc.constantFrom(...spec.tags.filter((t) => !spec.exclude.has(t.name)));
  const tagArb: fc.Arbitrary<TagChoice> = spec.noLiterals
    ? knownTag
    : fc.oneof(
        { weight: 9, arbitrary: knownTag },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(...UNKNOWN_TAGS)
            .map((name) => ({ name, namespace: undefined }) as TagChoice),
        },
      );
  const { node } = fc.letrec<{ node: RawNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf.map((l) => ({ leaf: l }) as RawNode),
      fc
        .record({
          tag: tagArb,
          attributes: attributesArb(spec),
          children: fc.array(tie('node'), { maxLength: 4 }),
        })
        .map((r) => r as RawNode),
    ),
  }));
  return fc
    .record({
      attributes: attributesArb(spec),
      children: fc.array(node, { maxLength: 5 }),
    })
    .map(({ attributes, children }): XmlDocument => {
      const rootAttrs: XmlAttribute[] = rootNs ? [{ name: 'xmlns', value: rootNs }] : [];
      const root: XmlElement = {
        kind: 'element',
        name: lang.def.rootTag,
        attributes: [...rootAttrs, ...attributes],
        children: children.map((c) => build(c, rootNs)),
      };
      return { root, language: id };
    });
}

type RawNode =
  { leaf: XmlNode } | { tag: TagChoice; attributes: XmlAttribute[]; children: RawNode[] };

function build(raw: RawNode, parentNs: string | undefined): XmlNode {
  if ('leaf' in raw) return raw.leaf;
  const ns = raw.tag.namespace ?? parentNs;
  const attributes =
    raw.tag.namespace !== undefined && raw.tag.namespace !== parentNs
      ? [{ name: 'xmlns', value: raw.tag.namespace }, ...raw.attributes]
      : raw.attributes;
  return {
    kind: 'element',
    name: raw.tag.name,
    attributes,
    children: raw.children.map((c) => build(c, ns)),
  };
}
