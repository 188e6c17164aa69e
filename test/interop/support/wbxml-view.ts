/**
 * Rebuilds the element tree that Wireshark's WBXML dissector shows in its "Data representation"
 * subtree (one PDML field per token), so a test can compare it with the source XML.
 * Only Wireshark's own output is used: tag/attribute names come from its code-page tables, text
 * from its STR_I/STR_T rendering, opaque bytes from its OPAQUE field.
 */
import { PdmlNode, descendants, findFirst } from './tshark';

export interface WsElement {
  name: string;
  /** Tag code page Wireshark decoded the tag on. */
  page: number;
  attributes: Array<{ name: string; value: string }>;
  children: WsNode[];
}
export type WsNode =
  | { kind: 'element'; element: WsElement }
  | { kind: 'text'; text: string; token: 'STR_I' | 'STR_T' }
  | { kind: 'opaque'; data: Buffer };

export interface WbxmlView {
  version: string;
  /** e.g. "-//SYNCML//DTD SyncML 1.2//EN" (Wireshark's name for the well-known id, its suffix cut). */
  publicId: string;
  publicIdCode?: number;
  charset: number;
  stringTable: string[];
  root: WsElement;
  /** Tokens Wireshark could not name (its table lacks them), with their place, for explicit checks. */
  unknownTokens: string[];
}

/** Marker text Wireshark puts where its table has no entry for a token. */
const UNDEFINED_TOKEN = '(Requested token not defined for this content type)';

function columns(showname: string): { state: string; page: string; description: string } {
  const parts = showname.split('|');
  return {
    state: (parts[1] ?? '').trim(),
    page: (parts[2] ?? '').trim(),
    description: (parts[3] ?? '').trim(),
  };
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
}

/** Skips the mb_u_int32 length that Wireshark includes in the OPAQUE field's bytes. */
function opaquePayload(hex: string): Buffer {
  const b = Buffer.from(hex, 'hex');
  let i = 1; // the 0xC3 token
  while (i < b.length && b[i] & 0x80) i++;
  return b.subarray(i + 1);
}

/**
 * Reads the WBXML layer of one packet. Throws on any token kind this reader does not model, so
 * an unexpected rendering makes the test fail instead of being silently skipped.
 */
export function readWbxmlView(packet: PdmlNode, occurrence = 0): WbxmlView {
  const layers = [...descendants(packet)].filter((n) => n.kind === 'proto' && n.name === 'wbxml');
  const wbxml = layers[occurrence];
  if (!wbxml) throw new Error(`Wireshark shows no WBXML layer #${occurrence} in this packet`);
  const pub =
    findFirst(wbxml, 'wbxml.public_id.known') ?? findFirst(wbxml, 'wbxml.public_id.literal');
  const publicIdText = pub
    ? (/: (.*?)(?: \(0x[0-9a-f]+\))?$/i.exec(pub.showname)?.[1] ?? pub.show)
    : '';
  const view: WbxmlView = {
    version: findFirst(wbxml, 'wbxml.version')?.show ?? '',
    publicId: publicIdText.replace(/ \([^()]*\)$/, ''),
    publicIdCode: pub?.name === 'wbxml.public_id.known' ? Number(pub.show) : undefined,
    charset: Number(findFirst(wbxml, 'wbxml.charset')?.show ?? NaN),
    stringTable: [...descendants(wbxml)]
      .filter((n) => n.name === 'wbxml.string_table_item_string')
      .map((n) => n.show),
    root: undefined as unknown as WsElement,
    unknownTokens: [],
  };

  const tokens = [...descendants(wbxml)].filter(
    (n) => n.name.startsWith('wbxml.') && n.showname.includes('|'),
  );
  const stack: WsElement[] = [];
  let inAttributes: { element: WsElement; hasContent: boolean } | undefined;
  let currentAttr: { name: string; value: string } | undefined;

  const open = (el: WsElement): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push({ kind: 'element', element: el });
    else if (!view.root) view.root = el;
    else throw new Error(`second root element <${el.name}> in Wireshark's rendering`);
  };

  const whereAmI = (): string => stack.map((e) => e.name).join('/');

  for (const t of tokens) {
    const col = columns(t.showname);
    switch (t.name) {
      case 'wbxml.switch_page':
        break;
      case 'wbxml.known_tag':
      case 'wbxml.literal':
      case 'wbxml.literal_a':
      case 'wbxml.literal_c':
      case 'wbxml.literal_ac': {
        const token = parseInt(t.value ?? '0', 16);
        const literal = t.name !== 'wbxml.known_tag';
        const hasAttrs = literal
          ? t.name.endsWith('_a') || t.name.endsWith('_ac')
          : (token & 0x80) !== 0;
        const hasContent = literal
          ? t.name.endsWith('_c') || t.name.endsWith('_ac')
          : (token & 0x40) !== 0;
        if (t.show.includes('Requested token not defined') || t.show === '') {
          view.unknownTokens.push(
            `tag 0x${(token & 0x3f).toString(16)} page ${col.page} under ${whereAmI()}`,
          );
        }
        const el: WsElement = {
          name: t.show,
          page: Number(col.page.replace(/\D/g, '')),
          attributes: [],
          children: [],
        };
        open(el);
        if (hasAttrs) inAttributes = { element: el, hasContent };
        if (hasContent) stack.push(el);
        break;
      }
      case 'wbxml.known_attrstart': {
        if (!inAttributes)
          throw new Error(`attribute start outside an attribute list at ${whereAmI()}`);
        const eq = t.show.indexOf('=');
        if (eq < 0) {
          view.unknownTokens.push(
            `attrStart ${t.value} page ${col.page} in <${inAttributes.element.name}>`,
          );
          currentAttr = { name: `?${t.value}`, value: '' };
        } else {
          currentAttr = { name: t.show.slice(0, eq), value: unquote(t.show.slice(eq + 1)) };
        }
        inAttributes.element.attributes.push(currentAttr);
        break;
      }
      case 'wbxml.known_attrvalue': {
        if (!currentAttr || !inAttributes)
          throw new Error(`attribute value without attribute at ${whereAmI()}`);
        if (t.show === UNDEFINED_TOKEN || t.show.includes('not defined')) {
          const key = `attrValue:0x${(parseInt(t.value ?? '0', 16) & 0x7f).toString(16)}:page${col.page.replace(/\D/g, '')}`;
          view.unknownTokens.push(`${key} in ${inAttributes.element.name}@${currentAttr.name}`);
          // a marker the test replaces after checking the token is a documented table gap
          currentAttr.value += `⟦${key}⟧`;
        } else {
          currentAttr.value += unquote(t.show);
        }
        break;
      }
      case 'wbxml.str_i':
      case 'wbxml.str_t': {
        const token = t.name === 'wbxml.str_i' ? 'STR_I' : 'STR_T';
        if (col.state === 'Attr') {
          if (!currentAttr) throw new Error(`attribute string without attribute at ${whereAmI()}`);
          currentAttr.value += t.show;
        } else {
          const parent = stack[stack.length - 1];
          if (!parent) throw new Error('text outside the root element');
          parent.children.push({ kind: 'text', text: t.show, token });
        }
        break;
      }
      case 'wbxml.opaque_data': {
        const parent = stack[stack.length - 1];
        if (!parent) throw new Error('opaque data outside the root element');
        parent.children.push({ kind: 'opaque', data: opaquePayload(t.value ?? '') });
        break;
      }
      case 'wbxml.end_attribute_list':
        inAttributes = undefined;
        currentAttr = undefined;
        break;
      case 'wbxml.end_known_tag.uint':
        // END of an element that had attributes but no content ("/>")
        if (!inAttributes)
          throw new Error(`END of an attribute list that is not open at ${whereAmI()}`);
        inAttributes = undefined;
        currentAttr = undefined;
        break;
      case 'wbxml.end_known_tag':
      case 'wbxml.end_literal_tag': {
        const el = stack.pop();
        if (!el) throw new Error('END without an open element');
        if (t.name === 'wbxml.end_known_tag' && el.name !== t.show) {
          throw new Error(`Wireshark closes <${t.show}> while <${el.name}> is open`);
        }
        break;
      }
      default:
        throw new Error(
          `token kind ${t.name} (${col.description}) is not modelled by wbxml-view.ts`,
        );
    }
  }
  if (!view.root) throw new Error('Wireshark rendered no root element');
  if (stack.length > 0)
    throw new Error(`elements left open in Wireshark's rendering: ${whereAmI()}`);
  return view;
}

/** Plain-object form for toEqual: elements as [name, attrs, children], text as strings. */
export type PlainNode = string | { opaque: string } | PlainElement;
export interface PlainElement {
  name: string;
  attributes: Record<string, string>;
  children: PlainNode[];
}

export function toPlain(el: WsElement): PlainElement {
  return {
    name: el.name,
    attributes: Object.fromEntries(el.attributes.map((a) => [a.name, a.value])),
    children: el.children.map((c) =>
      c.kind === 'element'
        ? toPlain(c.element)
        : c.kind === 'text'
          ? c.text
          : { opaque: c.data.toString('hex') },
    ),
  };
}

/** Every element with its tag code page, as "path:page", for code-page assertions. */
export function tagPages(el: WsElement, prefix = ''): string[] {
  const here = `${prefix}/${el.name}`;
  return [
    `${here}:${el.page}`,
    ...el.children.flatMap((c) => (c.kind === 'element' ? tagPages(c.element, here) : [])),
  ];
}

/**
 * Tokens Wireshark 4.0's PROV table leaves out on purpose: the PROV 1.1 attribute-value code page 1
 * AAUTHTYPE pieces 0x90 ",", 0x91 "HTTP-", 0x92 "BASIC", 0x93 "DIGEST" (an early 1.1 text put them
 * at 0x80-0x83, where they clash with global tokens). libwbxml, Kannel and our codec use 0x90-0x93:
 * ../shared/protocols/omadm-cp-wap.md §5 "Page 1" and ../shared/vectors/cp_bootstrap.dump.txt.
 * The key is the token without its 0x80 bit, as Wireshark reports it.
 */
export const WIRESHARK_PROV_GAPS: Record<string, string> = {
  'attrValue:0x10:page1': ',',
  'attrValue:0x11:page1': 'HTTP-',
  'attrValue:0x12:page1': 'BASIC',
  'attrValue:0x13:page1': 'DIGEST',
};

/** Replaces the markers readWbxmlView leaves for unnamed tokens; an undocumented gap stays visible. */
export function fillTableGaps(el: PlainElement, gaps = WIRESHARK_PROV_GAPS): PlainElement {
  const fill = (v: string): string =>
    v.replace(/⟦([^⟧]+)⟧/g, (_m, key: string) => gaps[key] ?? `⟦${key}⟧`);
  return {
    ...el,
    attributes: Object.fromEntries(Object.entries(el.attributes).map(([k, v]) => [k, fill(v)])),
    children: el.children.map((c) =>
      typeof c === 'string' || 'opaque' in c ? c : fillTableGaps(c, gaps),
    ),
  };
}
