/**
 * The simulated phone's own reading and writing of the Workpoint XML, made from the seeds
 * (../shared/seeds 000-002) and ../shared/protocols/workpoint.md §2 — deliberately not the
 * gateway's library, so the two cannot share a mistake.
 */

export interface PhoneItem {
  name: string;
  index?: number;
  value: string;
  status?: string;
}

/** What the phone sends (WorkpointMessage). */
export interface PhoneMessage {
  nonce: string;
  maxItems: number;
  fragment: 'next' | 'final';
  reason: string;
  action?: string;
  status?: string;
  items: PhoneItem[];
}

/** What the phone receives (DLSMessage). */
export interface ServiceMessage {
  nonce: string;
  action: string;
  items: PhoneItem[];
}

const NS = 'http://www.siemens.com/DLS';
const ACTIONS = new Set([
  'ReadAllItems',
  'ReadItems',
  'WriteItems',
  'Restart',
  'FileDeployment',
  'SoftwareDeployment',
  'CleanUp',
  'GetNextFragment',
]);

export const itemKeyOf = (i: { name: string; index?: number }) =>
  i.index === undefined ? i.name : `${i.name}[${i.index}]`;

function esc(text: string, attr: boolean): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (attr && ch === '"') out += '&quot;';
    else if (c === 13 || (attr && (c === 9 || c === 10))) out += `&#${c};`;
    else out += ch;
  }
  return out;
}

export interface BuildOptions {
  /** `<ItemList/>` when there are no items (the seed's busy reply has none at all) */
  emptyItemList?: boolean;
}

/** A WorkpointMessage as the seed's example writes it. */
export function buildPhoneMessage(m: PhoneMessage, o: BuildOptions = {}): string {
  const rfcAttrs =
    (m.action !== undefined ? ` action="${esc(m.action, true)}"` : '') +
    (m.status !== undefined ? ` status="${esc(m.status, true)}"` : '');
  const items = m.items
    .map((i) => {
      const attrs =
        ` name="${esc(i.name, true)}"` +
        (i.index !== undefined ? ` index="${i.index}"` : '') +
        (i.status !== undefined ? ` status="${esc(i.status, true)}"` : '');
      return i.value === '' && i.status !== undefined
        ? `<Item${attrs}/>`
        : `<Item${attrs}>${esc(i.value, false)}</Item>`;
    })
    .join('');
  const list = items ? `<ItemList>${items}</ItemList>` : o.emptyItemList ? '<ItemList/>' : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<WorkpointMessage xsi:schemaLocation="${NS}" xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<Message nonce="${esc(m.nonce, true)}" maxItems="${m.maxItems}" fragment="${m.fragment}">` +
    `<ReasonForContact${rfcAttrs}>${esc(m.reason, false)}</ReasonForContact>` +
    list +
    '</Message></WorkpointMessage>'
  );
}

function unescape(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function attrsOf(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    out.set(m[1], unescape(m[2] ?? m[3]));
  return out;
}

export class ServiceMessageError extends Error {}

/**
 * Reads a DLSMessage and checks what a phone can check (protocols/workpoint.md §2.2): the root,
 * its namespace, one Message with the nonce the phone sent, exactly one known Action, items with a
 * name; a stray `&` or `<` in text is an error.
 */
export function parseServiceMessage(xml: string, expectedNonce: string): ServiceMessage {
  const body = xml.replace(/^\uFEFF/, '').replace(/^<\?xml[^>]*\?>\s*/, '');
  const root = /^<(?:[\w-]+:)?DLSMessage\b([^>]*)>([\s\S]*)<\/(?:[\w-]+:)?DLSMessage>\s*$/.exec(
    body,
  );
  if (!root) throw new ServiceMessageError('not a DLSMessage document');
  if (![...attrsOf(root[1]).entries()].some(([k, v]) => k.startsWith('xmlns') && v === NS))
    throw new ServiceMessageError(`DLSMessage without the ${NS} namespace`);
  const message = /<Message\b([^>]*)>([\s\S]*)<\/Message>/.exec(root[2]);
  if (!message) throw new ServiceMessageError('no Message element');
  const nonce = attrsOf(message[1]).get('nonce');
  if (nonce !== expectedNonce)
    throw new ServiceMessageError(`nonce "${nonce}" does not echo the phone's "${expectedNonce}"`);
  const actions = [...message[2].matchAll(/<Action>([^<]*)<\/Action>/g)].map((m) => m[1].trim());
  if (actions.length !== 1) throw new ServiceMessageError(`${actions.length} Action elements`);
  if (!ACTIONS.has(actions[0])) throw new ServiceMessageError(`unknown Action "${actions[0]}"`);
  const items: PhoneItem[] = [];
  for (const m of message[2].matchAll(/<Item\b([^>]*?)(?:\/>|>([^<]*)<\/Item>)/g)) {
    const a = attrsOf(m[1]);
    const name = a.get('name');
    if (!name) throw new ServiceMessageError('Item without a name');
    const raw = m[2] ?? '';
    if (/&(?!(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);)/.test(raw))
      throw new ServiceMessageError(`unescaped & in item ${name}`);
    const item: PhoneItem = { name, value: unescape(raw) };
    const index = a.get('index');
    if (index !== undefined) {
      if (!/^\d+$/.test(index)) throw new ServiceMessageError(`index "${index}" of ${name}`);
      item.index = Number(index);
    }
    items.push(item);
  }
  return { nonce, action: actions[0], items };
}
