import { WorkpointItem } from '../types';
import { serializeItem, utf8Length } from './build-message';

/** Default byte budget for the ItemList of one outgoing message (the phone's limit is 50 kB). */
export const DEFAULT_WRITE_BYTE_BUDGET = 40_000;

const SECURE_MODE_ITEMS = new Set([
  'goto-secure-mode',
  'dls-client-certificate',
  'dls-server-ca',
  'dls-secure-port',
  'secure-mode-data',
  'max-pin-retries',
]);
const RESTART_ITEMS = new Set(['restart-type', 'restart-password']);
const KEY_ITEMS =
  /^(function-key-def|key-label|key-label-unicode|select-dial|locked-function-keys|stimulus-.*|blf-code)$/;

/**
 * Which items must travel in the same message (DG p.71 "related items"): the secure-mode
 * bootstrap set, the restart pair, all `file-*` items of one index, one key's definition and
 * labels, one codec slot. Everything else is its own group.
 */
export function relatedGroupKey(item: WorkpointItem): string {
  if (SECURE_MODE_ITEMS.has(item.name)) return 'secure-mode';
  if (RESTART_ITEMS.has(item.name)) return 'restart';
  if (item.index !== undefined) {
    if (item.name.startsWith('file-')) return `file#${item.index}`;
    if (KEY_ITEMS.test(item.name)) return `key#${item.index}`;
    if (item.name.startsWith('codec-')) return `codec#${item.index}`;
  }
  return `item:${item.name}[${item.index ?? ''}]`;
}

/**
 * Splits items into WriteItems chunks that respect the phone's maxItems (-1 = unlimited) and a
 * byte budget, never separating related items. Groups keep the order of their first item.
 * A single group larger than the limits goes alone into its own chunk (it cannot be split).
 */
export function splitWriteItems(
  items: WorkpointItem[],
  maxItems: number,
  byteBudget = DEFAULT_WRITE_BYTE_BUDGET,
): WorkpointItem[][] {
  const groups = new Map<string, WorkpointItem[]>();
  for (const it of items) {
    const k = relatedGroupKey(it);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const limit = maxItems > 0 ? maxItems : Infinity;
  const chunks: WorkpointItem[][] = [];
  let cur: WorkpointItem[] = [];
  let curBytes = 0;
  for (const g of groups.values()) {
    const bytes = g.reduce((n, it) => n + utf8Length(serializeItem(it)), 0);
    if (cur.length > 0 && (cur.length + g.length > limit || curBytes + bytes > byteBudget)) {
      chunks.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(...g);
    curBytes += bytes;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}
