import { randomInt } from 'node:crypto';

/**
 * Allocates concatenation references per destination so that two multipart pushes in flight
 * to one handset never share a reference (the handset would mix their segments). Production
 * backs this with Redis (INCR per MSISDN); the in-memory one serves tests and single processes.
 */
export interface ConcatReferenceAllocator {
  next(destination: string, options?: { ref16?: boolean }): Promise<number>;
}

/**
 * Per-destination counter starting at a random point: consecutive pushes to one destination
 * get distinct references for 256 (8-bit) or 65,536 (16-bit) pushes in a row.
 */
export class InMemoryConcatReferenceAllocator implements ConcatReferenceAllocator {
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly start: (destination: string) => number = () => randomInt(0, 0x10000),
    private readonly maxDestinations = 100_000,
  ) {}

  nextSync(destination: string, options: { ref16?: boolean } = {}): number {
    let value = this.counters.get(destination);
    if (value === undefined) {
      if (this.counters.size >= this.maxDestinations) {
        this.counters.delete(this.counters.keys().next().value as string);
      }
      value = this.start(destination);
    } else {
      value = (value + 1) & 0xffff;
    }
    this.counters.set(destination, value);
    return options.ref16 ? value : value & 0xff;
  }

  async next(destination: string, options: { ref16?: boolean } = {}): Promise<number> {
    return this.nextSync(destination, options);
  }
}
