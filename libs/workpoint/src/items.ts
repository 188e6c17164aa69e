import { WorkpointItem } from './types';

/** Inventory key of an item: `name` or `name[index]`. */
export function itemKey(item: { name: string; index?: number }): string {
  return item.index === undefined ? item.name : `${item.name}[${item.index}]`;
}

/** First value of a named item (index ignored). */
export function itemValue(items: WorkpointItem[], name: string): string | undefined {
  for (const it of items) if (it.name === name && it.status === undefined) return it.value;
  return undefined;
}

/** Canonical MAC form `00:1A:E8:00:00:01`; undefined when the text is not a MAC address. */
export function normalizeMac(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const hex = raw.replace(/[:\-.\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

/** Items whose value the phone reported (no item status), keyed for an inventory. */
export function toInventory(items: WorkpointItem[]): Record<string, string> {
  const inv: Record<string, string> = {};
  for (const it of items) if (it.status === undefined) inv[itemKey(it)] = it.value;
  return inv;
}
