import { ConfigError, withEnvOverrides } from '../../apps/gateway/src/config/env';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config';
import { startGateway, RunningGateway } from '../../apps/gateway/src/bootstrap';
import { DeviceHttpServer } from '../../apps/gateway/src/device-http/device-http.server';
import { JsonLogger } from '../../apps/gateway/src/logging/json-logger';
import { createTestRedis, testRedisEnv } from '../support/redis';

describe('gateway foundation', () => {
  let gw: RunningGateway;
  const t = createTestRedis('gw');
  const lines: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: t.prefix,
        DEVICE_HTTP_MAX_BODY: '2048',
      },
      logger: new JsonLogger('info', (l) => lines.push(l)),
    });
    const device = gw.app.get(DeviceHttpServer);
    device.register({
      method: 'POST',
      path: '/echo',
      handler: (_req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      },
    });
  });

  afterAll(async () => {
    await gw?.close();
    await t.cleanup();
  });

  it('GET /healthz answers 200', async () => {
    const res = await fetch(`${gw.apiUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports Redis', async () => {
    const res = await fetch(`${gw.apiUrl}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(body.checks.redis).toEqual({ ok: true });
  });

  it('device listener hands raw chunked bodies to routes, even with a bogus Content-Encoding', async () => {
    const payload = Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0xff]);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(payload.subarray(0, 3));
        c.enqueue(payload.subarray(3));
        c.close();
      },
    });
    const res = await fetch(`${gw.deviceUrl}/echo`, {
      method: 'POST',
      body: stream,
      headers: { 'content-encoding': 'UTF-8' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(payload);
  });

  it('device listener answers 413 past the body limit and 404 for unknown paths', async () => {
    const big = await fetch(`${gw.deviceUrl}/echo`, { method: 'POST', body: Buffer.alloc(4096) });
    expect(big.status).toBe(413);
    const none = await fetch(`${gw.deviceUrl}/nothing-here`);
    expect(none.status).toBe(404);
    const wrongMethod = await fetch(`${gw.deviceUrl}/echo`);
    expect(wrongMethod.status).toBe(405);
  });

  it('logs are JSON lines', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });
});

describe('configuration validation', () => {
  it('names the variable of a wrong value', async () => {
    await expect(
      withEnvOverrides({ API_PORT: 'eighty' }, async () => loadGatewayConfig()),
    ).rejects.toThrow(new ConfigError('API_PORT', 'must be an integer, got "eighty"'));
    await expect(
      withEnvOverrides({ GATEWAY_ROLE: 'boss' }, async () => loadGatewayConfig()),
    ).rejects.toThrow(/GATEWAY_ROLE must be one of all, api, worker/);
    await expect(
      withEnvOverrides({ REDIS_URL: 'http://x' }, async () => loadGatewayConfig()),
    ).rejects.toThrow(/REDIS_URL must use redis or rediss/);
  });

  it('never echoes a password from a URL', async () => {
    await expect(
      withEnvOverrides({ REDIS_URL: 'redis://u:hunter2@' }, async () => loadGatewayConfig()),
    ).rejects.toThrow(/^(?!.*hunter2)/);
  });
});
