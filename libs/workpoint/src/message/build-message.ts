import { DlsMessage, WorkpointItem, WorkpointMessage } from '../types';
import { escapeAttr, escapeText } from '../xml/escape-xml';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS =
  'xmlns="http://www.siemens.com/DLS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.siemens.com/DLS"';

/** Serialised `<Item>` as the canonical form writes it (also used to size write chunks). */
export function serializeItem(item: WorkpointItem, withStatus = false): string {
  let s = `    <Item name="${escapeAttr(item.name, `item name ${item.name}`)}"`;
  if (item.index !== undefined) s += ` index="${item.index}"`;
  if (withStatus && item.status !== undefined)
    s += ` status="${escapeAttr(item.status, `status of ${item.name}`)}"`;
  return item.value === ''
    ? s + '/>\n'
    : `${s}>${escapeText(item.value, `value of ${item.name}`)}</Item>\n`;
}

function itemList(items: WorkpointItem[], withStatus: boolean): string {
  if (items.length === 0) return '';
  let s = '   <ItemList>\n';
  for (const it of items) s += serializeItem(it, withStatus);
  return s + '   </ItemList>\n';
}

/**
 * Canonical DLSMessage: XML declaration, root `DLSMessage` in the DLS default namespace,
 * nonce echoed, Action, ItemList only when there are items.
 */
export function buildDlsMessage(msg: DlsMessage): string {
  return (
    `${DECL}<DLSMessage ${NS}>\n  <Message nonce="${escapeAttr(msg.nonce, 'nonce')}">\n` +
    `   <Action>${msg.action}</Action>\n${itemList(msg.items, false)}  </Message>\n</DLSMessage>\n`
  );
}

/** A phone's WorkpointMessage (the simulator and tests speak the phone side). */
export function buildWorkpointMessage(msg: WorkpointMessage): string {
  let rfc = '   <ReasonForContact';
  if (msg.action !== undefined) rfc += ` action="${escapeAttr(msg.action, 'action')}"`;
  if (msg.status !== undefined) rfc += ` status="${escapeAttr(msg.status, 'status')}"`;
  rfc += `>${escapeText(msg.reason, 'reason')}</ReasonForContact>\n`;
  return (
    `${DECL}<WorkpointMessage ${NS}>\n  <Message nonce="${escapeAttr(msg.nonce, 'nonce')}" maxItems="${msg.maxItems}" fragment="${msg.fragment}">\n` +
    `${rfc}${msg.items.length === 0 ? '   <ItemList/>\n' : itemList(msg.items, true)}  </Message>\n</WorkpointMessage>\n`
  );
}

/** Byte length of a string in UTF-8 without allocating a Buffer (the lib stays platform-free). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
