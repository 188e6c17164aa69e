import { WorkpointOperationError } from '../errors';
import { WorkpointItem } from '../types';
import { serializeItem, utf8Length } from './build-message';

/**
 * Items the phone accepts in one message (seed 001): `maxItems=-1` means no limit (other negative
 * values are read the same way); 0 means none at all — a message with items cannot go to it.
 */
export function itemLimit(maxItems: number): number {
  return maxItems < 0 ? Infinity : maxItems;
}

/** Throws the error a job gets when `count` indivisible items exceed the phone's maxItems. */
export function checkItemLimit(count: number, maxItems: number, what: string): void {
  if (count > itemLimit(maxItems))
    throw new WorkpointOperationError(
      `${what}: ${count} item(s) must travel in one message, but the phone accepts at most ${maxItems} (maxItems)`,
    );
}

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

/** Deployment messages: all `file-*` items of one index (or all unindexed ones) are one file. */
export function deploymentGroupKey(item: WorkpointItem): string {
  return `file#${item.index ?? ''}`;
}

/**
 * Splits items into message chunks that respect the phone's maxItems (seed 001: a reply with more
 * items must be fragmented) and a byte budget, never separating related items. Groups keep the
 * order of their first item. A group larger than maxItems cannot be sent at all
 * (WorkpointOperationError); one larger than the byte budget goes alone into its own chunk (the
 * budget is ours, not the phone's).
 */
export function splitWriteItems(
  items: WorkpointItem[],
  maxItems: number,
  byteBudget = DEFAULT_WRITE_BYTE_BUDGET,
  groupKey: (item: WorkpointItem) => string = relatedGroupKey,
): WorkpointItem[][] {
  const groups = new Map<string, WorkpointItem[]>();
  for (const it of items) {
    const k = groupKey(it);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const limit = itemLimit(maxItems);
  for (const [k, g] of groups)
    checkItemLimit(g.length, maxItems, g.length > 1 ? `the related items "${k}"` : 'an item');
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
