import { CoreKeys } from '@dm-bridge/core';
import Redis, { Cluster } from 'ioredis';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { ConfigError } from '../../apps/gateway/src/config/env';
import { testRedisClient, uniquePrefix } from '../support/redis';
import { ApiFixture, dropPrefix, gatewayTestEnv, startApi } from './api-fixture';

const EXAMPLE = join(__dirname, '../../examples/catalog/openstage-site.yaml');

const SITE_YAML = `# parameters and a profile of one site
parameters:
  - name: site.voicemail
    type: string
    maxLength: 32
    bindings:
      workpoint: voice-mail-e164
profiles:
  - id: site-phones
    protocol: workpoint
    description: from the YAML file
    models: [OpenStage 40]
    desired:
      sip.transport: "1"
`;

const EXTRA_JSON = JSON.stringify({
  parameters: [
    { name: 'site.mode', type: 'enum', enum: ['a', 'b'], bindings: { omadm: './Vendor/Mode' } },
  ],
  profiles: [{ id: 'site-handsets', protocol: 'omadm', desired: { 'site.mode': 'b' } }],
});

/**
 * startGateway expecting it to fail. Configuration (catalog files included) is checked before
 * anything connects, so a bad file must fail with no Redis client opened: clients opened
 * meanwhile are recorded, counted and closed.
 */
async function failedStart(env: Record<string, string>): Promise<unknown> {
  const opened = new Set<{ disconnect(): void }>();
  const spies = [Redis.prototype, Cluster.prototype].map((proto) => {
    const connect = proto.connect;
    return jest.spyOn(proto, 'connect').mockImplementation(function (
      this: Redis | Cluster,
      ...args: unknown[]
    ) {
      opened.add(this);
      return (connect as (...a: unknown[]) => Promise<void>).apply(this, args);
    });
  });
  try {
    const gw = await startGateway({ env, logger: false });
    await gw.close();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const client of opened) client.disconnect();
    expect(opened.size).toBe(0);
  }
}

function catalogDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmb-catalog-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('catalog files (CATALOG_DIR) and YAML over the API', () => {
  let f: ApiFixture;
  let dir: string;

  beforeAll(async () => {
    dir = catalogDir({
      '10-site.yaml': SITE_YAML,
      '20-extra.json': EXTRA_JSON,
      'notes.txt': 'not a catalog file: {{{',
      '.hidden.yaml': 'this: [is not read',
    });
    mkdirSync(join(dir, 'sub.yml'));
    writeFileSync(join(dir, 'sub.yml', 'x.yaml'), 'not: [read');
    f = await startApi({ CATALOG_DIR: dir });
  });

  afterAll(async () => {
    await f?.close();
    await dropPrefix(f.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the parameters and profiles of every file, next to the shipped defaults', async () => {
    expect(await f.call('GET', '/v1/parameters/site.voicemail')).toMatchObject({
      status: 200,
      body: {
        name: 'site.voicemail',
        type: 'string',
        maxLength: 32,
        bindings: { workpoint: 'voice-mail-e164' },
      },
    });
    expect((await f.call('GET', '/v1/profiles/site-phones')).body).toEqual({
      id: 'site-phones',
      protocol: 'workpoint',
      description: 'from the YAML file',
      models: ['OpenStage 40'],
      desired: { 'sip.transport': '1' },
    });
    expect((await f.call('GET', '/v1/parameters/site.mode')).body).toEqual({
      name: 'site.mode',
      type: 'enum',
      enum: ['a', 'b'],
      bindings: { omadm: './Vendor/Mode' },
    });
    expect((await f.call('GET', '/v1/profiles/site-handsets')).body).toEqual({
      id: 'site-handsets',
      protocol: 'omadm',
      desired: { 'site.mode': 'b' },
    });
    const ids = (await f.call('GET', '/v1/profiles')).body.items.map((p: { id: string }) => p.id);
    // defaults first, then the stored ones (in Redis hash order)
    expect(ids.slice(0, 3)).toEqual(['openstage', 'omadm-generic', 'omacp-generic']);
    expect(ids.slice(3).sort()).toEqual(['site-handsets', 'site-phones']);
    // stored like API writes, so every gateway process sees them
    const r = testRedisClient();
    try {
      expect((await r.hkeys(new CoreKeys(f.prefix).profiles())).sort()).toEqual([
        'site-handsets',
        'site-phones',
      ]);
    } finally {
      await r.quit();
    }
  });

  it('takes YAML bodies on POST and PUT (application/yaml, text/yaml, application/x-yaml)', async () => {
    const created = await f.call(
      'POST',
      '/v1/parameters',
      'name: site.floor\ntype: int\nmin: 0\nmax: 40\nbindings:\n  workpoint: x-floor\n',
      { headers: { 'content-type': 'application/yaml' } },
    );
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'site.floor',
        type: 'int',
        min: 0,
        max: 40,
        bindings: { workpoint: 'x-floor' },
      },
    });
    const replaced = await f.call(
      'PUT',
      '/v1/profiles/site-desk',
      'protocol: workpoint\nmodels:\n  - OpenStage 60\ndesired:\n  site.floor: 3\n',
      { headers: { 'content-type': 'text/yaml; charset=utf-8' } },
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({
      id: 'site-desk',
      protocol: 'workpoint',
      models: ['OpenStage 60'],
      desired: { 'site.floor': 3 },
    });
    expect(
      await f.call('POST', '/v1/profiles', 'id: site-cp\nprotocol: omacp\n', {
        headers: { 'content-type': 'application/x-yaml' },
      }),
    ).toMatchObject({ status: 201, body: { id: 'site-cp', protocol: 'omacp' } });
    expect((await f.call('GET', '/v1/parameters/site.floor')).body.max).toBe(40);
    expect((await f.call('GET', '/v1/profiles/site-desk')).body.models).toEqual(['OpenStage 60']);
    expect((await f.call('GET', '/v1/profiles/site-cp')).status).toBe(200);
    // the path still names the entry
    const mismatch = await f.call('PUT', '/v1/profiles/site-desk', 'id: other\nprotocol: omadm\n', {
      headers: { 'content-type': 'application/yaml' },
    });
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'id-mismatch' } });
  });

  it('answers a YAML syntax error or an invalid entry with a 400 problem naming the line', async () => {
    const syntax = await f.call(
      'POST',
      '/v1/parameters',
      'name: site.bad\ntype: [string\nbindings: {}\n',
      { headers: { 'content-type': 'application/yaml' } },
    );
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(syntax.body).toEqual({
      type: 'urn:dm-bridge:problem:invalid-yaml',
      title: 'Bad Request',
      status: 400,
      code: 'invalid-yaml',
      detail:
        'request body: YAML syntax error at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      file: 'request body',
      line: 3,
      column: 1,
      instance: '/v1/parameters',
    });
    const invalid = await f.call(
      'PUT',
      '/v1/parameters/site.bad',
      'type: enum\nenum: [0, 1]\nbindings: {workpoint: x}\n',
      { headers: { 'content-type': 'application/yaml' } },
    );
    expect(invalid.body).toMatchObject({
      status: 400,
      code: 'invalid-parameter',
      detail: 'enum must be a non-empty list of strings (quote numbers in YAML)',
    });
    expect((await f.call('GET', '/v1/parameters/site.bad')).status).toBe(404);
    // a YAML body elsewhere is refused (the route takes JSON only)
    const elsewhere = await f.call('POST', '/v1/devices', 'protocol: omacp\n', {
      headers: { 'content-type': 'application/yaml' },
    });
    expect(elsewhere).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
  });

  it('limits YAML bodies like JSON bodies', async () => {
    const big = `description: "${'x'.repeat(1024 * 1024)}"\n`;
    const res = await f.call('POST', '/v1/profiles', big, {
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res).toMatchObject({ status: 413, body: { code: 'body-too-large' } });
  });

  it('POST /v1/catalog takes a whole file, YAML or JSON, and writes nothing unless all is valid', async () => {
    const yaml = await f.call('POST', '/v1/catalog', readFileSync(EXAMPLE, 'utf8'), {
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yaml).toMatchObject({ status: 200, body: { parameters: 1, profiles: 1 } });
    expect((await f.call('GET', '/v1/parameters/phone.voicemail')).body.bindings).toEqual({
      workpoint: 'voice-mail-e164',
    });
    expect((await f.call('GET', '/v1/profiles/openstage-site')).body.desired).toEqual({
      'sip.transport': '1',
      'sip.registrar.port': 5060,
      'time.ntp.server': 'ntp.example.net',
      'locale.language': 'de',
      'phone.voicemail': '4930100',
    });

    const json = await f.call('POST', '/v1/catalog', {
      profiles: [
        { id: 'bulk-a', protocol: 'omadm' },
        { id: 'bulk-b', protocol: 'omacp' },
      ],
    });
    expect(json).toMatchObject({ status: 200, body: { parameters: 0, profiles: 2 } });
    expect((await f.call('GET', '/v1/profiles/bulk-b')).body).toEqual({
      id: 'bulk-b',
      protocol: 'omacp',
    });

    const partly = await f.call(
      'POST',
      '/v1/catalog',
      'profiles:\n  - id: bulk-c\n    protocol: omadm\n  - id: bulk-d\n    protocol: sms\n',
      { headers: { 'content-type': 'application/yaml' } },
    );
    expect(partly.status).toBe(400);
    expect(partly.body).toMatchObject({
      code: 'invalid-profile',
      detail:
        'request body: profiles[1] "bulk-d" (line 4): profile protocol must be one of workpoint, omadm, omacp',
      index: 1,
      id: 'bulk-d',
    });
    expect((await f.call('GET', '/v1/profiles/bulk-c')).status).toBe(404);

    const unknownKey = await f.call('POST', '/v1/catalog', { parameters: [], devices: [] });
    expect(unknownKey.body).toMatchObject({
      status: 400,
      code: 'invalid-catalog-file',
      detail: 'request body: unknown top-level key "devices" (allowed: parameters, profiles)',
    });

    const readKey = (await f.call('POST', '/v1/api-keys', { name: 'viewer', scope: 'read' })).body
      .key as string;
    const denied = await f.call('POST', '/v1/catalog', { profiles: [] }, { key: readKey });
    expect(denied).toMatchObject({ status: 403, body: { code: 'insufficient-scope' } });
    const writeKey = (await f.call('POST', '/v1/api-keys', { name: 'ops', scope: 'write' })).body
      .key as string;
    expect(await f.call('POST', '/v1/catalog', { profiles: [] }, { key: writeKey })).toMatchObject({
      status: 200,
      body: { parameters: 0, profiles: 0 },
    });
  });

  it('documents the YAML bodies and /v1/catalog in the OpenAPI document', async () => {
    const doc = (await f.call('GET', '/docs/openapi.json', undefined, { key: null })).body;
    expect(Object.keys(doc.paths['/v1/catalog'].post.requestBody.content)).toEqual([
      'application/json',
      'application/yaml',
      'text/yaml',
      'application/x-yaml',
    ]);
    expect(doc.paths['/v1/profiles/{id}'].put.requestBody.content['application/yaml']).toEqual({
      schema: { $ref: '#/components/schemas/Profile' },
    });
  });
});

describe('catalog files at start', () => {
  const prefixes: string[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropPrefix(p);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function gatewayEnv(prefix: string, dir: string): Record<string, string> {
    return { ...gatewayTestEnv(prefix), CATALOG_DIR: dir };
  }

  it('files win over API writes of the same name at the next start', async () => {
    const dir = catalogDir({ 'site.yaml': SITE_YAML });
    dirs.push(dir);
    const first = await startApi({ CATALOG_DIR: dir });
    prefixes.push(first.prefix);
    const put = await first.call('PUT', '/v1/profiles/site-phones', {
      protocol: 'workpoint',
      description: 'changed over the API',
    });
    expect(put.status).toBe(200);
    expect((await first.call('GET', '/v1/profiles/site-phones')).body.description).toBe(
      'changed over the API',
    );
    await first.close();

    const again = await startApi(
      { CATALOG_DIR: dir, DMB_MASTER_KEY: first.env.DMB_MASTER_KEY, VAR_DIR: first.env.VAR_DIR },
      first.prefix,
    );
    try {
      expect((await again.call('GET', '/v1/profiles/site-phones')).body).toEqual({
        id: 'site-phones',
        protocol: 'workpoint',
        description: 'from the YAML file',
        models: ['OpenStage 40'],
        desired: { 'sip.transport': '1' },
      });
    } finally {
      await again.close();
    }
  });

  it('a later file (by name) replaces an earlier one’s entry of the same name', async () => {
    const dir = catalogDir({
      'b.json': JSON.stringify({ profiles: [{ id: 'dup', protocol: 'omacp' }] }),
      'a.yaml': 'profiles:\n  - id: dup\n    protocol: omadm\n',
    });
    dirs.push(dir);
    const f = await startApi({ CATALOG_DIR: dir });
    prefixes.push(f.prefix);
    try {
      expect((await f.call('GET', '/v1/profiles/dup')).body).toEqual({
        id: 'dup',
        protocol: 'omacp',
      });
    } finally {
      await f.close();
    }
  });

  it.each([
    [
      'an invalid entry',
      'profiles:\n  - id: ok\n    protocol: omadm\n  - id: broken\n    protocol: sms\n',
      ': profiles[1] "broken" (line 4): profile protocol must be one of workpoint, omadm, omacp',
    ],
    [
      'a YAML syntax error',
      'profiles:\n  - id: broken\n   protocol: omadm\n',
      ': YAML syntax error at line 3, column 1: Sequence item without - indicator',
    ],
    [
      'an unknown top-level key',
      'profiles: []\nprofile: []\n',
      ': unknown top-level key "profile" at line 2 (allowed: parameters, profiles)',
    ],
  ])(
    '%s stops startGateway with one line naming the file, and writes nothing',
    async (_, text, tail) => {
      const dir = catalogDir({ 'a-good.yaml': SITE_YAML, 'b-bad.yaml': text });
      dirs.push(dir);
      const prefix = uniquePrefix('api');
      prefixes.push(prefix);
      const err = await failedStart(gatewayEnv(prefix, dir));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(
        `invalid configuration: CATALOG_DIR ${join(dir, 'b-bad.yaml')}${tail}`,
      );
      expect((err as Error).message).not.toContain('\n');
      const r = testRedisClient();
      try {
        expect(
          await r.exists(new CoreKeys(prefix).profiles(), new CoreKeys(prefix).parameters()),
        ).toBe(0);
      } finally {
        await r.quit();
      }
    },
  );

  it('a bad JSON file and a missing directory stop start-up too', async () => {
    const dir = catalogDir({
      'site.json': '{"profiles": [\n  {"id": "x", "protocol": "omadm"},\n]}',
    });
    dirs.push(dir);
    const prefix = uniquePrefix('api');
    prefixes.push(prefix);
    expect(await failedStart(gatewayEnv(prefix, dir))).toEqual(
      new ConfigError(
        'CATALOG_DIR',
        `${join(dir, 'site.json')}: JSON syntax error at line 3, column 1: unexpected ']'`,
      ),
    );
    const missing = join(dir, 'nope');
    expect(await failedStart(gatewayEnv(prefix, missing))).toEqual(
      new ConfigError('CATALOG_DIR', `cannot read directory ${missing}: ENOENT`),
    );
  });
});
