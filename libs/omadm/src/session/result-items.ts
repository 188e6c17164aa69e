import type { DmItem } from '../message/types';
import type { DmResultItem } from './types';

/** Converts a received Item into a JSON-safe result item (binary data as base64). */
export function toResultItem(
  item: DmItem,
  cmdMeta?: { format?: string; type?: string },
): DmResultItem {
  const r: DmResultItem = { uri: item.source?.locURI ?? item.target?.locURI ?? '' };
  const format = item.meta?.format ?? cmdMeta?.format;
  const type = item.meta?.type ?? cmdMeta?.type;
  if (format !== undefined) r.format = format;
  if (type !== undefined) r.type = type;
  if (typeof item.data === 'string') r.data = item.data;
  else if (item.data) {
    r.data = Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength).toString(
      'base64',
    );
    r.binary = true;
  }
  return r;
}
