/** FNV-1a (32 bit) over UTF-16 code units plus the length: cheap identity for retransmissions. */
export function bodyHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${s.length.toString(36)}.${(h >>> 0).toString(36)}`;
}
