import type { DmEvent, DmOperation, DmOperationResult } from '@dm-bridge/omadm';
import { RedisShards, SessionLock } from '@dm-bridge/core';
import type Redis from 'ioredis';
import type { DmOperationSource } from './dm-operation-source';

/**
 * A Redis list per device of waiting operations (JSON), a list of results and one of events
 * (`dm:ops:`, `dm:results:`, `dm:events:` plus the device id, in the device's shard).
 * Enough for tests, the demo and the benchmark; core replaces it with its job store.
 */
export class RedisDmOperationSource implements DmOperationSource {
  /** core's lock class over keys of its own (`<shard prefix>dm:q:core:lock:<DevId>`): no core devices here */
  private readonly locks: SessionLock;

  constructor(
    private readonly redis: Redis,
    /** the deployment's shards (`new RedisShards(prefix)` for one) */
    private readonly shards: RedisShards,
    /** keep at most this many results/events per device (0: do not record events) */
    private readonly keep = 1000,
    /** session lock lifetime (SESSION_LOCK_TTL_MS), renewed at every message */
    private readonly lockTtlMs = 120_000,
  ) {
    this.locks = new SessionLock(redis, new RedisShards(`${shards.prefix}dm:q:`, shards.count));
  }

  async lease(deviceId: string, owner: string): Promise<boolean> {
    if (!(await this.locks.renew(deviceId, owner, this.lockTtlMs)))
      await this.locks.supersede(deviceId, owner, this.lockTtlMs);
    return true;
  }

  async endLease(deviceId: string, owner: string): Promise<void> {
    await this.locks.release(deviceId, owner);
  }

  /** who holds the device's session lock (tests) */
  lockHolder(deviceId: string): Promise<string | null> {
    return this.locks.holder(deviceId);
  }

  private key(kind: 'ops' | 'results' | 'events', deviceId: string): string {
    return `${this.shards.ofDevice(deviceId).prefix}dm:${kind}:${deviceId}`;
  }

  async enqueue(deviceId: string, ...ops: DmOperation[]): Promise<void> {
    if (ops.length)
      await this.redis.rpush(this.key('ops', deviceId), ...ops.map((o) => JSON.stringify(o)));
  }

  async pending(deviceId: string): Promise<DmOperation[]> {
    const raw = await this.redis.lrange(this.key('ops', deviceId), 0, 99);
    return raw.map((r) => JSON.parse(r) as DmOperation);
  }

  async claim(deviceId: string, _sessionId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const key = this.key('ops', deviceId);
    const raw = await this.redis.lrange(key, 0, -1);
    const want = new Set(ids);
    const pipe = this.redis.multi();
    for (const r of raw) if (want.has((JSON.parse(r) as DmOperation).id)) pipe.lrem(key, 1, r);
    await pipe.exec();
  }

  async complete(deviceId: string, result: DmOperationResult): Promise<void> {
    const key = this.key('results', deviceId);
    await this.redis.multi().rpush(key, JSON.stringify(result)).ltrim(key, -this.keep, -1).exec();
  }

  async release(deviceId: string, operations: DmOperation[]): Promise<void> {
    if (!operations.length) return;
    // LPUSH reverses its arguments: push newest first so the original order stays at the head.
    await this.redis.lpush(
      this.key('ops', deviceId),
      ...[...operations].reverse().map((o) => JSON.stringify(o)),
    );
  }

  async event(event: DmEvent): Promise<void> {
    if (!this.keep) return;
    const key = this.key('events', event.deviceId);
    await this.redis.multi().rpush(key, JSON.stringify(event)).ltrim(key, -this.keep, -1).exec();
  }

  async results(deviceId: string): Promise<DmOperationResult[]> {
    return (await this.redis.lrange(this.key('results', deviceId), 0, -1)).map(
      (r) => JSON.parse(r) as DmOperationResult,
    );
  }

  async events(deviceId: string): Promise<DmEvent[]> {
    return (await this.redis.lrange(this.key('events', deviceId), 0, -1)).map(
      (r) => JSON.parse(r) as DmEvent,
    );
  }
}
