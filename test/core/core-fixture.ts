import { randomBytes } from 'node:crypto';
import { Core, CoreEvent, CoreOptions, createCore } from '@dm-bridge/core';
import { createTestRedis, TestRedis, testRedisShards } from '../support/redis';

/** Core on a real Redis under a unique prefix, recording the events it publishes. */
export async function coreFixture(
  opts: { shards?: number; deviceLifecycle?: CoreOptions['deviceLifecycle'] } = {},
): Promise<{ core: Core; t: TestRedis; events: CoreEvent[] }> {
  const t = createTestRedis('core');
  const events: CoreEvent[] = [];
  const core = createCore({
    redis: t.redis,
    prefix: t.prefix,
    shards: opts.shards ?? testRedisShards(),
    masterKey: randomBytes(32),
    events: { publish: async (e) => void events.push(...e) },
    deviceLifecycle: opts.deviceLifecycle,
  });
  await core.catalog.reload();
  return { core, t, events };
}
