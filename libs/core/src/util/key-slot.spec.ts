import { redisKeySlot as keySlot } from './key-slot';

// Values from the Redis Cluster specification ("Keys hash tags") and CLUSTER KEYSLOT.
describe('redisKeySlot', () => {
  it('matches CLUSTER KEYSLOT', () => {
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(8363);
    expect(keySlot('{dmb:3}:core:d:x')).toBe(10731);
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });
});
