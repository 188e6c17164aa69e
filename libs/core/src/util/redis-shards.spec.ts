import { redisKeySlot } from './key-slot';
import { RedisShards, shardPrefix } from './redis-shards';

describe('RedisShards', () => {
  it('keeps the historical layout with one shard', () => {
    const s = new RedisShards('dmb:', 1);
    expect(s.ofDevice('x').device('x')).toBe('dmb:core:d:x');
    expect(s.jobId('j123', 'x')).toBe('j123');
    expect(s.ofJob('j123')).toBe(s.all()[0]);
  });

  it('puts shard k of a tagged prefix in the k-th slice of the slot space', () => {
    for (const count of [2, 3, 16, 64]) {
      const slots = Array.from({ length: count }, (_, k) => {
        const p = shardPrefix('{dmb}:', k, count);
        expect(p).toMatch(new RegExp(`^\\{dmb:${k}(\\.\\d+)?\\}:$`));
        return redisKeySlot(`${p}core:d:x`);
      });
      slots.forEach((slot, k) => {
        expect(slot).toBeGreaterThanOrEqual(Math.floor((k * 16384) / count));
        expect(slot).toBeLessThan(Math.floor(((k + 1) * 16384) / count));
      });
    }
  });

  it('spreads 16 shards over three masters with equal slot ranges as 6/5/5 at worst', () => {
    const ranges = [
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ];
    const perMaster = ranges.map(
      ([lo, hi]) =>
        new RedisShards('{dmb}:', 16)
          .all()
          .map((s) => redisKeySlot(s.device('x')))
          .filter((slot) => slot >= lo && slot <= hi).length,
    );
    expect(perMaster.reduce((a, b) => a + b)).toBe(16);
    expect(Math.max(...perMaster) - Math.min(...perMaster)).toBeLessThanOrEqual(1);
  });

  it('names a job’s shard in its id and refuses ids of no shard', () => {
    const s = new RedisShards('{dmb}:', 16);
    const id = s.jobId('j0mwr5kxiqpz7t1h', 'device-42');
    expect(s.ofJob(id)).toBe(s.ofDevice('device-42'));
    expect(s.ofJob('j0mwr5kxiqpz7t1hzz')).toBeNull();
    expect(s.ofJob('x')).toBeNull();
  });
});
