import { startGateway, type RunningGateway } from '../../../apps/gateway/src/bootstrap';
import { DM_OPERATION_SOURCE } from '../../../apps/gateway/src/dm/dm-operation-source';
import { DmSessionStore } from '../../../apps/gateway/src/dm/dm-session.store';
import type { RedisDmOperationSource } from '../../../apps/gateway/src/dm/redis-dm-operation-source';
import { createTestRedis, testRedisEnv, type TestRedis } from '../../support/redis';

export interface DmGateway {
  gw: RunningGateway;
  store: DmSessionStore;
  source: RedisDmOperationSource;
  dmUrl: string;
  redis: TestRedis;
  close(): Promise<void>;
}

/** The real gateway in-process on ephemeral ports, with a key prefix of its own. */
export async function startDmGateway(
  env: Record<string, string> = {},
  sharePrefixWith?: DmGateway,
): Promise<DmGateway> {
  const redis = createTestRedis('dm');
  if (sharePrefixWith) redis.prefix = sharePrefixWith.redis.prefix;
  const gw = await startGateway({
    env: {
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      HOST: '127.0.0.1',
      ...testRedisEnv(),
      REDIS_PREFIX: redis.prefix,
      LOG_LEVEL: 'error',
      // these suites drive the engine with raw DM commands, without core jobs
      DM_OPERATION_SOURCE: 'queue',
      ...env,
    },
    logger: false,
  });
  return {
    gw,
    store: gw.app.get(DmSessionStore),
    source: gw.app.get(DM_OPERATION_SOURCE),
    dmUrl: `${gw.deviceUrl}${env.DM_PATH ?? '/dm'}`,
    redis,
    async close() {
      await gw.close();
      await redis.cleanup();
    },
  };
}
