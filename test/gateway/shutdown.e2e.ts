import { request } from 'node:http';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { DeviceHttpServer } from '../../apps/gateway/src/device-http/device-http.server';
import { createTestRedis, testRedisEnv } from '../support/redis';

function post(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end('x');
  });
}

describe('graceful shutdown', () => {
  it('finishes in-flight device requests, then stops accepting and closes Redis', async () => {
    const t = createTestRedis('gw');
    const gw = await startGateway({
      env: {
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        ...testRedisEnv(),
        REDIS_PREFIX: t.prefix,
      },
      logger: false,
    });
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    gw.app.get(DeviceHttpServer).register({
      method: 'POST',
      path: '/slow',
      handler: async (_req, res) => {
        release();
        await new Promise((r) => setTimeout(r, 300));
        res.end('done');
      },
    });
    const inFlight = post(`${gw.deviceUrl}/slow`);
    await started;
    const closing = gw.close();
    expect(await inFlight).toEqual({ status: 200, body: 'done' });
    await closing;
    await expect(post(`${gw.deviceUrl}/slow`)).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetch(`${gw.apiUrl}/healthz`)).rejects.toThrow();
    await t.cleanup();
  });
});
