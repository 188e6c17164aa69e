/** Array-backed FIFO with O(1) push/shift and pushFront (for resubmits that keep their turn). */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private tail = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(v: T): void {
    if (this.n === this.items.length) this.grow();
    this.items[this.tail] = v;
    this.tail = (this.tail + 1) % this.items.length;
    this.n++;
  }

  pushFront(v: T): void {
    if (this.n === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = v;
    this.n++;
  }

  peek(): T | undefined {
    return this.n ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (!this.n) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.n--;
    return v;
  }

  /** Removes and returns, in order, every item for which `pred` is true. */
  removeWhere(pred: (v: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    while (this.n) {
      const v = this.shift() as T;
      (pred(v) ? removed : kept).push(v);
    }
    for (const v of kept) this.push(v);
    return removed;
  }

  drain(): T[] {
    const out: T[] = [];
    while (this.n) out.push(this.shift() as T);
    return out;
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
    this.tail = this.n;
  }
}
