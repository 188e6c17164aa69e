import { request } from 'node:http';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi } from './api-fixture';
import { redisMasters } from '@dm-bridge/core';
import type { Redis } from 'ioredis';
import { testRedisClient } from '../support/redis';

/** A raw HTTP request (fetch normalises paths, so bad encodings need this). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PROBLEM = /^application\/problem\+json/;

describe('hardened edges of the operator API', () => {
  let f: ApiFixture;
  beforeAll(async () => (f = await startApi()));
  afterAll(async () => {
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('answers unknown routes and bad percent-encoding with problem details, without X-Powered-By', async () => {
    const unknown = await f.call('GET', '/v1/nothing-here', undefined, { key: null });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(PROBLEM);
    expect(unknown.body).toMatchObject({ status: 404, code: 'route-not-found' });
    expect(unknown.headers.get('x-powered-by')).toBeNull();
    const bad = await raw(f.gw.apiUrl, 'GET', '/v1/devices/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(PROBLEM);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'invalid-path' });
    const ctl = await raw(f.gw.apiUrl, 'GET', '/v1/devices/a%0Ab', {
      authorization: `Bearer ${ADMIN_KEY}`,
    });
    expect(ctl.status).toBe(400);
    expect(JSON.parse(ctl.body)).toMatchObject({ code: 'invalid-path' });
    const ok = await f.call('GET', '/v1/devices');
    expect(ok.headers.get('x-powered-by')).toBeNull();
  });

  it('challenges with WWW-Authenticate on 401, and takes ?api_key= only on the SSE route', async () => {
    const none = await f.call('GET', '/v1/devices', undefined, { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="dm-bridge"');
    const viaQuery = await f.call('GET', `/v1/devices?api_key=${ADMIN_KEY}`, undefined, {
      key: null,
    });
    expect(viaQuery.status).toBe(401);
    const fast = await f.call('GET', '/v1/jobs/j_nope', undefined, { key: null });
    expect(fast.status).toBe(401);
    expect(fast.headers.get('www-authenticate')).toBe('Bearer realm="dm-bridge"');
    const ctrl = new AbortController();
    const sse = await fetch(`${f.gw.apiUrl}/v1/events?api_key=${ADMIN_KEY}`, {
      signal: ctrl.signal,
    });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    ctrl.abort();
  });

  it('refuses bodies of unsupported media types with 415', async () => {
    const plain = await f.call('POST', '/v1/devices', 'protocol=omacp', {
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    expect(plain.headers.get('content-type')).toMatch(PROBLEM);
    expect(plain.body).toMatchObject({ code: 'unsupported-media-type' });
    expect(plain.headers.get('accept-post')).toBe('application/json');
    const yaml = await f.call('PUT', '/v1/profiles/p1', 'id: p1\nprotocol: omadm\n', {
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yaml.status).toBe(200);
  });

  it('refuses unknown body fields and query parameters, naming them', async () => {
    const tagz = await f.call('POST', '/v1/devices', {
      protocol: 'omacp',
      addressing: { msisdn: '+491701110001' },
      tagz: ['berlin'],
    });
    expect(tagz.status).toBe(400);
    expect(tagz.body).toMatchObject({ code: 'unknown-field', fields: ['tagz'] });
    expect(tagz.body.detail).toContain('tagz');
    const nested = await f.call('POST', '/v1/jobs', {
      deviceId: 'x',
      operations: [{ op: 'get', path: 'a', vlaue: 1 }],
    });
    expect(nested.body).toMatchObject({ code: 'unknown-field', fields: ['operations[0].vlaue'] });
    const q = await f.call('GET', '/v1/devices?limt=5');
    expect(q.status).toBe(400);
    expect(q.body).toMatchObject({ code: 'unknown-query-parameter', fields: ['limt'] });
    const wh = await f.call('POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      secret: '0123456789abcdef',
      events: ['job.state', 'job.bogus'],
    });
    expect(wh.status).toBe(400);
    expect(wh.body.detail).toContain('job.bogus');
    const sse = await f.call('GET', '/v1/events?types=job.state,job.bogus');
    expect(sse.status).toBe(400);
    expect(sse.body).toMatchObject({ code: 'unknown-event-type' });
    expect(sse.body.detail).toContain('job.bogus');
  });

  it('refuses control characters in addressing: no 500, no forged address-index entries', async () => {
    const victim = await f.call('POST', '/v1/devices', {
      id: 'victim',
      protocol: 'omadm',
      addressing: { msisdn: '+491709990001', devId: 'IMEI:1' },
    });
    expect(victim.status).toBe(201);
    await f.call('DELETE', '/v1/devices/victim');
    const r = testRedisClient();
    await r.ping(); // a cluster client knows its masters only once connected
    // every master's keys (on a Redis Cluster KEYS answers for one node only)
    const coreKeys = async () =>
      (await Promise.all(redisMasters(r as Redis).map((m) => m.keys(`${f.prefix}*core:*`))))
        .flat()
        .sort();
    const before = await coreKeys();
    for (const devId of ['IMEI:300\nx', 'IMEI:300\nmsisdn=+491709990001', 'IMEI 300', 'a\tb']) {
      const res = await f.call('POST', '/v1/devices', {
        id: 'attacker',
        protocol: 'omadm',
        addressing: { msisdn: '+491709990002', devId },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid-addressing');
      expect(res.body.field).toEqual('addressing.devId');
    }
    // core refuses it too (imports and other callers do not pass the HTTP schema)
    await expect(
      f.core.devices.create({
        protocol: 'omadm',
        addressing: { msisdn: '+491709990002', devId: 'IMEI:300\nmsisdn=+491709990001' },
      }),
    ).rejects.toMatchObject({ code: 'invalid-addressing' });
    const imported = await f.call(
      'POST',
      '/v1/devices/import',
      'id,protocol,msisdn,devId\natt,omadm,+491709990002,"IMEI:300\nmsisdn=+491709990001"\n',
      { headers: { 'content-type': 'text/csv' } },
    );
    expect(imported.body).toMatchObject({ rows: 1, created: 0, failed: 1 });
    expect(imported.body.errors[0]).toMatchObject({ row: 1, code: 'invalid-addressing' });
    expect(await coreKeys()).toEqual(before);
    await r.quit();
    // the real device with that MSISDN can still register
    const real = await f.call('POST', '/v1/devices', {
      protocol: 'omadm',
      addressing: { msisdn: '+491709990001', devId: 'IMEI:2' },
    });
    expect(real.status).toBe(201);
  });

  it('streams imports with 1-based rows, dry-run and upsert', async () => {
    const csv = 'id,protocol,msisdn,tags\nimp-1,omacp,+491705550001,a\nimp-2,omacp,xx,b\n';
    const dry = await f.call('POST', '/v1/devices/import?dryRun=true', csv, {
      headers: { 'content-type': 'text/csv' },
    });
    expect(dry.body).toMatchObject({ rows: 2, valid: 1, failed: 1, dryRun: true });
    expect(dry.body.errors[0]).toMatchObject({ row: 2, code: 'invalid-msisdn' });
    expect((await f.call('GET', '/v1/devices/imp-1')).status).toBe(404);
    const first = await f.call('POST', '/v1/devices/import', csv, {
      headers: { 'content-type': 'text/csv' },
    });
    expect(first.body).toMatchObject({ rows: 2, created: 1, failed: 1 });
    const again = await f.call(
      'POST',
      '/v1/devices/import?upsert=true',
      'id,protocol,msisdn,tags\nimp-1,omacp,+491705550001,b\n',
      { headers: { 'content-type': 'text/csv' } },
    );
    expect(again.body).toMatchObject({ rows: 1, created: 0, updated: 1, failed: 0 });
    expect((await f.call('GET', '/v1/devices/imp-1')).body.tags).toEqual(['b']);
    const unknownCol = await f.call(
      'POST',
      '/v1/devices/import',
      'id,protocol,msisdn,tagz\nimp-3,omacp,+491705550003,a\n',
      {
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(unknownCol.body.errors[0]).toMatchObject({ row: 1, code: 'unknown-field' });
  });

  it('refuses a 60 MB single-line CSV early with 413, without echoing it, and memory returns', async () => {
    const before = process.memoryUsage().rss;
    const size = 60 << 20;
    const chunk = Buffer.alloc(1 << 20, 'A');
    const started = Date.now();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(f.gw.apiUrl);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/v1/devices/import',
          headers: {
            authorization: `Bearer ${ADMIN_KEY}`,
            'content-type': 'text/csv',
            'content-length': String(size),
          },
        },
        (r) => {
          let text = '';
          r.on('data', (c) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(res.status).toBe(413);
    expect(res.body.length).toBeLessThan(1000);
    expect(res.body).not.toContain('AAAA');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'import-row-too-large', line: 1 });
    expect(Date.now() - started).toBeLessThan(10000);
    global.gc?.();
    expect(process.memoryUsage().rss - before).toBeLessThan(200 << 20);
    expect((await f.call('GET', '/healthz', undefined, { key: null })).status).toBe(200);
  });
});
