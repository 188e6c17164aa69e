import { ConfigError, withEnvOverrides } from './env';
import { loadGatewayConfig } from './gateway.config';
import { hashTaggedPrefix, loadRedisTopology } from './redis-topology';

const NONE = {
  REDIS_URL: undefined,
  REDIS_CLUSTER_NODES: undefined,
  REDIS_SENTINELS: undefined,
  REDIS_SENTINEL_NAME: undefined,
  REDIS_PREFIX: undefined,
};

function topology(env: Record<string, string | undefined>) {
  return withEnvOverrides({ ...NONE, ...env }, async () => loadRedisTopology());
}

async function configError(env: Record<string, string | undefined>): Promise<ConfigError> {
  const err = await topology(env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('Redis topology from the environment', () => {
  it('defaults to a single Redis (REDIS_URL or the local/embedded fallback)', async () => {
    expect(await topology({})).toEqual({ kind: 'single', url: undefined });
    expect(await topology({ REDIS_URL: 'redis://h:1' })).toEqual({
      kind: 'single',
      url: 'redis://h:1',
    });
  });

  it('reads REDIS_CLUSTER_NODES as host:port pairs, IPv6 in brackets', async () => {
    expect(
      await topology({ REDIS_CLUSTER_NODES: '10.0.0.1:7001, [::1]:7002,redis-c:7003' }),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'redis-c', port: 7003 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
  });

  it('reads REDIS_SENTINELS with REDIS_SENTINEL_NAME', async () => {
    const t = await topology({
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_NAME: 'mymaster',
    });
    expect(t).toMatchObject({
      kind: 'sentinel',
      name: 'mymaster',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
    });
  });

  it('names the variable on bad input', async () => {
    expect((await configError({ REDIS_CLUSTER_NODES: '10.0.0.1' })).variable).toBe(
      'REDIS_CLUSTER_NODES',
    );
    expect((await configError({ REDIS_CLUSTER_NODES: 'h:70000' })).message).toContain(
      'REDIS_CLUSTER_NODES must be a comma-separated host:port list, got "h:70000"',
    );
    expect((await configError({ REDIS_CLUSTER_NODES: ' , ' })).variable).toBe(
      'REDIS_CLUSTER_NODES',
    );
    expect((await configError({ REDIS_SENTINELS: 's1:26379' })).variable).toBe(
      'REDIS_SENTINEL_NAME',
    );
    expect((await configError({ REDIS_SENTINEL_NAME: 'mymaster' })).variable).toBe(
      'REDIS_SENTINEL_NAME',
    );
    expect(
      (await configError({ REDIS_URL: 'redis://h:1', REDIS_CLUSTER_NODES: 'h:7001' })).message,
    ).toBe(
      'invalid configuration: REDIS_CLUSTER_NODES cannot be combined with another Redis topology ' +
        '(set: REDIS_URL, REDIS_CLUSTER_NODES)',
    );
  });

  it('hash-tags the key prefix on a cluster only', async () => {
    expect(hashTaggedPrefix('dmb:')).toBe('{dmb}:');
    expect(hashTaggedPrefix('dmb')).toBe('{dmb}');
    expect(hashTaggedPrefix('{t:1}:')).toBe('{t:1}:');
    expect(() => hashTaggedPrefix(':')).toThrow(ConfigError);
    const single = await withEnvOverrides(NONE, async () => loadGatewayConfig());
    expect(single.redisPrefix).toBe('dmb:');
    const clustered = await withEnvOverrides({ ...NONE, REDIS_CLUSTER_NODES: 'h:7001' }, async () =>
      loadGatewayConfig(),
    );
    expect(clustered.redisPrefix).toBe('{dmb}:');
  });
});
