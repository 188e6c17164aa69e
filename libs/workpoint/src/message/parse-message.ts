import { hasXmlExcludedChar } from '../xml/escape-xml';
import { WorkpointMessageError } from '../errors';
import { DlsMessage, WorkpointItem, WorkpointMessage, isAction } from '../types';
import { LiteElement, attr, scanXml } from '../xml/scan-xml';

const child = (el: LiteElement, name: string): LiteElement | undefined => {
  const lower = name.toLowerCase();
  return el.children.find((c) => c.name.toLowerCase() === lower);
};

function readItems(list: LiteElement | undefined): WorkpointItem[] {
  if (!list) return [];
  const items: WorkpointItem[] = [];
  for (const c of list.children) {
    if (c.name.toLowerCase() !== 'item') continue;
    const name = attr(c, 'name');
    if (name === undefined || name === '') throw new WorkpointMessageError('Item without a name');
    const item: WorkpointItem = { name, value: c.text };
    const index = attr(c, 'index');
    if (index !== undefined && index.trim() !== '') {
      const n = Number(index.trim());
      if (!Number.isInteger(n))
        throw new WorkpointMessageError(`Item ${name} has index "${index}"`);
      item.index = n;
    }
    const status = attr(c, 'status');
    if (status !== undefined) item.status = status;
    items.push(item);
  }
  return items;
}

/** Message element and the ItemList, tolerating an ItemList placed beside Message. */
function messageParts(root: LiteElement): { message: LiteElement; list?: LiteElement } {
  const message = child(root, 'Message') ?? root;
  return { message, list: child(message, 'ItemList') ?? child(root, 'ItemList') };
}

/**
 * Parses a phone's WorkpointMessage. Lenient: any namespace or prefix, any root-name case,
 * unknown attributes and elements ignored, missing maxItems = -1, missing fragment = final.
 */
export function parseWorkpointMessage(xml: string): WorkpointMessage {
  const root = scanXml(xml);
  if (root.name.toLowerCase() !== 'workpointmessage')
    throw new WorkpointMessageError(`expected a WorkpointMessage, got <${root.name}>`);
  const { message, list } = messageParts(root);
  const nonce = attr(message, 'nonce');
  if (nonce === undefined) throw new WorkpointMessageError('Message has no nonce');
  // every reply echoes the nonce: one that XML cannot carry makes the message unanswerable
  if (hasXmlExcludedChar(nonce))
    throw new WorkpointMessageError('the nonce holds characters an XML reply cannot carry');
  const rfc = child(message, 'ReasonForContact');
  if (!rfc) throw new WorkpointMessageError('Message has no ReasonForContact');
  const maxRaw = attr(message, 'maxItems') ?? attr(message, 'maxitems');
  const maxItems = maxRaw !== undefined && /^\s*-?\d+\s*$/.test(maxRaw) ? Number(maxRaw) : -1;
  const msg: WorkpointMessage = {
    nonce: nonce.trim(),
    maxItems: maxItems < 0 ? -1 : maxItems,
    fragment: attr(message, 'fragment')?.trim().toLowerCase() === 'next' ? 'next' : 'final',
    reason: rfc.text.trim(),
    items: readItems(list),
  };
  const action = attr(rfc, 'action');
  const status = attr(rfc, 'status');
  if (action !== undefined) msg.action = action.trim();
  if (status !== undefined) msg.status = status.trim();
  return msg;
}

/** Parses a DLSMessage (used by the simulated phone and by tests). */
export function parseDlsMessage(xml: string): DlsMessage {
  const root = scanXml(xml);
  if (root.name.toLowerCase() !== 'dlsmessage')
    throw new WorkpointMessageError(`expected a DLSMessage, got <${root.name}>`);
  const { message, list } = messageParts(root);
  const action = child(message, 'Action')?.text.trim();
  if (!action) throw new WorkpointMessageError('DLSMessage has no Action');
  if (!isAction(action)) throw new WorkpointMessageError(`unknown Action "${action}"`);
  return { nonce: (attr(message, 'nonce') ?? '').trim(), action, items: readItems(list) };
}

/** Best-effort nonce extraction from a body that failed to parse, so a CleanUp can echo it. */
export function sniffNonce(body: string): string {
  const m = /<(?:\w+:)?Message\b[^>]*?\bnonce\s*=\s*["']([^"'<&]{0,128})["']/i.exec(body);
  // nothing an XML reply cannot carry
  return m && !hasXmlExcludedChar(m[1]) ? m[1].trim() : '';
}
