/**
 * How many times each value was applied on each device: device -> key -> value -> count.
 * Counted where the device applies it (tree node replaced, item written, document stored), so a
 * value sent twice in two sessions counts twice.
 */
export class ApplicationCounter {
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  add(device: string, key: string, value: string): void {
    let byKey = this.counts.get(device);
    if (!byKey) this.counts.set(device, (byKey = new Map()));
    let byValue = byKey.get(key);
    if (!byValue) byKey.set(key, (byValue = new Map()));
    byValue.set(value, (byValue.get(value) ?? 0) + 1);
  }

  toJSON(): Record<string, Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, Record<string, number>>> = {};
    for (const [device, byKey] of this.counts) {
      out[device] = {};
      for (const [key, byValue] of byKey) out[device][key] = Object.fromEntries(byValue);
    }
    return out;
  }
}
