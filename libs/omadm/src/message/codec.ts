import { decodeWbxml, encodeWbxml, parseXml, serializeXml } from '@dm-bridge/wbxml';
import { DmProtocolError } from '../errors';
import { messageFromXmlDocument } from './from-xml-tree';
import { messageToXmlDocument } from './to-xml-tree';
import type { DmMessage } from './types';

export type DmEncoding = 'wbxml' | 'xml';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Parses one SyncML DM message; every failure is a DmProtocolError (never a crash). */
export function decodeDmMessage(bytes: Uint8Array, encoding: DmEncoding): DmMessage {
  let doc;
  try {
    doc = encoding === 'wbxml' ? decodeWbxml(bytes) : parseXml(utf8.decode(bytes));
  } catch (err) {
    throw new DmProtocolError(`malformed ${encoding.toUpperCase()}: ${(err as Error).message}`);
  }
  try {
    return messageFromXmlDocument(doc);
  } catch (err) {
    if (err instanceof DmProtocolError) throw err;
    throw new DmProtocolError(`unreadable SyncML: ${(err as Error).message}`);
  }
}

/** Serialises a DM message as the exact bytes to send (sign HMAC over these). */
export function encodeDmMessage(msg: DmMessage, encoding: DmEncoding): Uint8Array {
  if (encoding === 'wbxml') {
    const doc = messageToXmlDocument(msg, { namespaces: false, binaryAsOpaque: true });
    return encodeWbxml(doc, { language: msg.version === '1.1' ? 'syncml11' : 'syncml12' });
  }
  const doc = messageToXmlDocument(msg, { namespaces: true, binaryAsOpaque: false });
  return Buffer.from(serializeXml(doc), 'utf8');
}

/** Content types that carry SyncML: the DM family and the Data-Sync family some clients use. */
export const DM_CONTENT_TYPES = {
  'application/vnd.syncml.dm+wbxml': 'wbxml',
  'application/vnd.syncml.dm+xml': 'xml',
  'application/vnd.syncml+wbxml': 'wbxml',
  'application/vnd.syncml+xml': 'xml',
} as const satisfies Record<string, DmEncoding>;

export type DmContentType = keyof typeof DM_CONTENT_TYPES;

/** The encoding of a Content-Type header value (parameters ignored), or undefined if not SyncML. */
export function encodingOfContentType(value: string | undefined): DmEncoding | undefined {
  if (!value) return undefined;
  const base = value.split(';', 1)[0].trim().toLowerCase();
  return (DM_CONTENT_TYPES as Record<string, DmEncoding>)[base];
}
