import type Redis from 'ioredis';
import type { ConcatReferenceAllocator } from '@dm-bridge/wap-push';

/**
 * Concatenation references per destination, from a Redis counter, so two pushes in flight to
 * one handset never share a reference, whichever gateway process builds them. With 8-bit
 * references 256 consecutive pushes to one handset get distinct values (16-bit: 65536).
 */
export class RedisConcatReferenceAllocator implements ConcatReferenceAllocator {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  private key(destination: string): string {
    return `${this.keyPrefix}smpp:concat-ref:${destination}`;
  }

  /** The wap-push ConcatReferenceAllocator contract. */
  next(destination: string, options: { ref16?: boolean } = {}): Promise<number> {
    return this.allocate(destination, options.ref16 ? 16 : 8);
  }

  async allocate(destination: string, bits: 8 | 16 = 8): Promise<number> {
    const [ref] = await this.allocateMany([destination], bits);
    return ref;
  }

  /** One round trip for a whole batch (the same destination may appear several times). */
  async allocateMany(destinations: string[], bits: 8 | 16 = 8): Promise<number[]> {
    if (destinations.length === 0) return [];
    const p = this.redis.pipeline();
    for (const d of destinations) {
      p.incr(this.key(d));
      p.expire(this.key(d), this.ttlSeconds);
    }
    const res = await p.exec();
    const mod = bits === 16 ? 0x10000 : 0x100;
    return destinations.map((d, i) => {
      const [err, v] = res![i * 2];
      if (err) throw err;
      return Number(v) % mod;
    });
  }
}
