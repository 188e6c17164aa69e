import { ProcessLiveness, RedisShards, SessionLock } from '@dm-bridge/core';
import { createTestRedis, TestRedis, testRedisShards } from '../support/redis';

/**
 * Session locks name the process that holds them (its heartbeat, ProcessLiveness): a watchdog in
 * any process finds a lock of a live holder `alive`, however quiet the session; the lock of a
 * process whose heartbeat is gone (it died, or stopped) is removed and reported `broken`, long
 * before its own lifetime ends; a lock taken meanwhile by a live session is never removed.
 */
describe('session locks and process liveness', () => {
  let t: TestRedis;
  let shards: RedisShards;
  beforeAll(() => {
    t = createTestRedis('live');
    shards = new RedisShards(t.prefix, testRedisShards());
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("tells a live holder from a dead one, and frees the dead one's lock", async () => {
    const a = new ProcessLiveness(t.redis, t.prefix, 2_000);
    const b = new ProcessLiveness(t.redis, t.prefix, 2_000);
    await a.start();
    await b.start();
    const lockA = new SessionLock(t.redis, shards, a);
    const lockB = new SessionLock(t.redis, shards, b);
    expect(await lockB.holderState('dev-1')).toBe('free');

    await lockA.supersede('dev-1', 'session-1', 60_000);
    expect(await lockB.holderState('dev-1')).toBe('alive');
    expect(await lockA.renew('dev-1', 'session-1', 60_000)).toBe(true);

    await a.stop(); // A is gone; its lock would live for another minute
    expect(await lockB.holderState('dev-1')).toBe('broken');
    expect(await lockB.holder('dev-1')).toBeNull();
    expect(await lockB.holderState('dev-1')).toBe('free');

    // B's own session: alive while B beats, whoever asks
    await lockB.supersede('dev-2', 'session-2', 60_000);
    expect(await lockA.holderState('dev-2')).toBe('alive');
    await b.stop();
  });

  it('a heartbeat that is not renewed lapses by itself (a killed process)', async () => {
    const dead = new ProcessLiveness(t.redis, t.prefix, 300);
    await dead.start();
    const lock = new SessionLock(t.redis, shards, dead);
    await lock.supersede('dev-3', 'session-3', 60_000);
    // a SIGKILL: the timer stops, the key is left to expire
    (dead as unknown as { timer: NodeJS.Timeout }).timer.unref();
    clearInterval((dead as unknown as { timer: NodeJS.Timeout }).timer);
    const watcher = new SessionLock(t.redis, shards, new ProcessLiveness(t.redis, t.prefix));
    expect(await watcher.holderState('dev-3')).toBe('alive');
    await new Promise((r) => setTimeout(r, 400));
    expect(await watcher.holderState('dev-3')).toBe('broken');
  });

  it('locks without a heartbeat (older processes, the DM queue source) count as alive until they lapse', async () => {
    const plain = new SessionLock(t.redis, shards);
    await plain.supersede('dev-4', 'session-4', 60_000);
    const watcher = new SessionLock(t.redis, shards, new ProcessLiveness(t.redis, t.prefix));
    expect(await watcher.holderState('dev-4')).toBe('alive');
  });

  it("a session's later messages may reach another process: it renews (and then names) the lock, and releases it", async () => {
    const a = new ProcessLiveness(t.redis, t.prefix);
    const b = new ProcessLiveness(t.redis, t.prefix);
    await a.start();
    await b.start();
    const lockA = new SessionLock(t.redis, shards, a);
    const lockB = new SessionLock(t.redis, shards, b);
    await lockA.supersede('dev-5', 'S|5', 60_000);
    expect(await lockB.renew('dev-5', 'S|5', 60_000)).toBe(true);
    expect(await lockB.holder('dev-5')).toBe('S|5');
    expect(await t.redis.get(shards.ofDevice('dev-5').lock('dev-5'))).toBe(`${b.id}|S|5`);
    expect(await lockA.renew('dev-5', '5', 60_000)).toBe(false); // another owner's
    expect(await lockA.release('dev-5', 'other')).toBe(false);
    expect(await lockA.release('dev-5', 'S|5')).toBe(true);
    expect(await lockA.holder('dev-5')).toBeNull();
    await a.stop();
    await b.stop();
  });
});
