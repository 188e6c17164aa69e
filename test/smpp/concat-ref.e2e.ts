import { RedisConcatReferenceAllocator } from '@dm-bridge/smpp';
import { createTestRedis, TestRedis } from '../support/redis';

/** Concatenation references from Redis (WDP/SMS, 3GPP 23.040 §9.2.3.24.1): per destination. */
describe('RedisConcatReferenceAllocator', () => {
  let t: TestRedis;
  beforeAll(() => {
    t = createTestRedis('cref');
  });
  afterAll(() => t.cleanup());

  it('never repeats a reference within 256 pushes to one handset, even from two processes', async () => {
    const a = new RedisConcatReferenceAllocator(t.redis, t.prefix);
    const other = t.redis.duplicate();
    const b = new RedisConcatReferenceAllocator(other, t.prefix);
    const refs = await Promise.all(
      Array.from({ length: 256 }, (_, i) => (i % 2 ? a : b).next('491701234567')),
    );
    await other.quit();
    expect(new Set(refs).size).toBe(256);
    expect(refs.every((r) => r >= 0 && r <= 255)).toBe(true);
  });

  it('16-bit references and independent counters per destination', async () => {
    const a = new RedisConcatReferenceAllocator(t.redis, t.prefix);
    const [x, y] = await a.allocateMany(['4911', '4911'], 16);
    expect(y).toBe((x + 1) % 0x10000);
    const z = await a.next('4922', { ref16: true });
    expect(z).toBe(1);
  });
});
