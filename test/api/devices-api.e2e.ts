import { ApiFixture, dropPrefix, startApi } from './api-fixture';

describe('REST API: auth, devices, import, problem details', () => {
  let f: ApiFixture;
  beforeAll(async () => (f = await startApi({ IMPORT_MAX_ROWS: '500' })));
  afterAll(async () => {
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('requires a key with the right scope on every operator endpoint, but not on health and metrics', async () => {
    const none = await f.call('GET', '/v1/devices', undefined, { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({
      status: 401,
      code: 'missing-api-key',
      type: 'urn:dm-bridge:problem:missing-api-key',
      instance: '/v1/devices',
    });
    expect((await f.call('GET', '/v1/devices', undefined, { key: 'dmb_wrong' })).status).toBe(401);
    const created = await f.call('POST', '/v1/api-keys', { name: 'dashboard', scope: 'read' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^dmb_/);
    const readKey = created.body.key as string;
    expect((await f.call('GET', '/v1/devices', undefined, { key: readKey })).status).toBe(200);
    const denied = await f.call(
      'POST',
      '/v1/devices',
      { protocol: 'omacp', addressing: { msisdn: '+491701234567' } },
      { key: readKey },
    );
    expect(denied).toMatchObject({ status: 403, body: { code: 'insufficient-scope' } });
    const listed = await f.call('GET', '/v1/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(readKey);
    expect((await f.call('GET', '/v1/api-keys', undefined, { key: readKey })).status).toBe(403);
    expect((await f.call('GET', '/healthz', undefined, { key: null })).status).toBe(200);
    const metrics = await f.call('GET', '/metrics', undefined, { key: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('dmb_jobs{state="queued"}');
    expect(metrics.body).toContain('dmb_queue_jobs{queue="wakeup",state="waiting"}');
  });

  it('creates, reads, updates, tags and deletes a device; secrets are never returned', async () => {
    const res = await f.call('POST', '/v1/devices', {
      id: 'dm-1',
      protocol: 'omadm',
      addressing: {
        msisdn: '+49 (170) 555-0101',
        devId: 'IMEI:490154203237518',
        authScheme: 'hmac',
      },
      credentials: {
        clientUsername: 'dm1',
        clientPassword: 'client-secret-1',
        serverPassword: 'server-secret-1',
      },
      tags: ['pilot'],
      profile: 'omadm-generic',
    });
    expect(res.status).toBe(201);
    expect(res.body.addressing.msisdn).toBe('+491705550101');
    expect(JSON.stringify(res.body)).not.toContain('secret-1');
    expect(res.body.credentials.clientPassword).toBe('********');
    const patched = await f.call('PATCH', '/v1/devices/dm-1', {
      model: 'Acme X1',
      credentials: { clientPassword: 'rotated-secret' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.model).toBe('Acme X1');
    expect(JSON.stringify(patched.body)).not.toContain('rotated');
    expect(
      (await f.call('POST', '/v1/devices/dm-1/tags', { add: ['berlin'], remove: ['pilot'] })).body
        .tags,
    ).toEqual(['berlin']);
    const byTag = await f.call('GET', '/v1/devices?tag=berlin');
    expect(byTag.body.items.map((d: any) => d.id)).toEqual(['dm-1']);
    expect((await f.call('DELETE', '/v1/devices/dm-1')).status).toBe(204);
    expect((await f.call('GET', '/v1/devices/dm-1')).body).toMatchObject({
      status: 404,
      code: 'device-not-found',
    });
  });

  it('answers bad requests with problem details', async () => {
    const badJson = await f.call('POST', '/v1/devices', '{"protocol": ');
    expect(badJson).toMatchObject({ status: 400, body: { code: 'invalid-json' } });
    const wrongType = await f.call('POST', '/v1/devices', {
      protocol: 'omadm',
      addressing: { msisdn: 12345 },
    });
    expect(wrongType).toMatchObject({ status: 400, body: { code: 'invalid-msisdn' } });
    const badProtocol = await f.call('POST', '/v1/devices', { protocol: 'tr069', addressing: {} });
    expect(badProtocol).toMatchObject({
      status: 400,
      body: { code: 'invalid-protocol', field: 'protocol' },
    });
    const missing = await f.call('POST', '/v1/devices', { protocol: 'workpoint', addressing: {} });
    expect(missing.body.detail).toMatch(/needs addressing.ip or addressing.mac/);
    expect((await f.call('GET', '/v1/devices?limit=0')).body).toMatchObject({
      status: 400,
      code: 'invalid-limit',
    });
  });

  it('imports a streamed JSON array and CSV, reports bad rows, pages with a cursor', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      id: `imp-${String(i).padStart(3, '0')}`,
      protocol: 'omadm',
      addressing: { msisdn: `+4917100${String(i).padStart(5, '0')}` },
      tags: ['import'],
    }));
    rows.push({ id: 'imp-bad', protocol: 'omadm', addressing: { msisdn: 'xx' }, tags: [] });
    const json = await f.call('POST', '/v1/devices/import', rows);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      rows: 121,
      created: 120,
      failed: 1,
      errors: [{ row: 121, id: 'imp-bad', code: 'invalid-msisdn' }],
    });
    const csv =
      'id,protocol,ip,mac,tags,model\n' +
      Array.from(
        { length: 30 },
        (_, i) =>
          `wp-${i},workpoint,10.1.0.${i + 1},00:1a:e8:00:01:${i.toString(16).padStart(2, '0')},import;desk,OpenStage 60`,
      ).join('\n');
    const res = await f.call('POST', '/v1/devices/import', csv, {
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.body).toMatchObject({ rows: 30, created: 30, failed: 0 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.call(
        'GET',
        `/v1/devices?tag=import&limit=40${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((d: any) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(150);
    expect(new Set(seen).size).toBe(150);
    expect((await f.call('GET', '/v1/devices/wp-3')).body).toMatchObject({
      model: 'OpenStage 60',
      addressing: { mac: '00:1a:e8:00:01:03' },
    });
  });

  it('refuses an oversize import with 413 problem details', async () => {
    const rows = Array.from({ length: 501 }, (_, i) => ({
      protocol: 'omacp',
      addressing: { msisdn: `+4917200${String(i).padStart(5, '0')}` },
    }));
    const res = await f.call('POST', '/v1/devices/import', rows);
    expect(res).toMatchObject({ status: 413, body: { code: 'import-too-large' } });
    const wrongType = await f.call('POST', '/v1/devices/import', 'x', {
      headers: { 'content-type': 'application/xml' },
    });
    expect(wrongType.status).toBe(415);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await f.call('GET', '/docs/openapi.json', undefined, { key: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/devices', '/v1/jobs', '/v1/campaigns/{id}/pause']),
    );
    const page = await f.call('GET', '/docs', undefined, { key: null });
    expect(page.body).toContain('SwaggerUIBundle');
    expect((await fetch(`${f.gw.apiUrl}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
