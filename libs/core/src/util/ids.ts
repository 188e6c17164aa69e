import { randomBytes } from 'node:crypto';

/**
 * Time-ordered, URL-safe ids: 9 base36 chars of milliseconds + 8 random base36 chars.
 * Lexicographic order follows creation time, which cursor pagination relies on.
 */
export function newId(prefix: string): string {
  const t = Date.now().toString(36).padStart(9, '0');
  const r = randomBytes(6).readUIntBE(0, 6).toString(36).padStart(10, '0').slice(-8);
  return `${prefix}${t}${r}`;
}
