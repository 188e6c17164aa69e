import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpenApi } from '../../apps/gateway/src/api/openapi';

const REDOCLY = join(__dirname, '../../node_modules/@redocly/cli/bin/cli.js');

describe('OpenAPI document generated from the controllers', () => {
  const { document, undocumented } = generateOpenApi();
  const doc = document as any;

  it('documents every route, with an operationId, a summary and a 2xx answer', () => {
    expect(undocumented).toEqual([]);
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        expect(`${method} ${path} ${op.operationId}`).toMatch(/ [a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(op.summary).toBeTruthy();
        expect(Object.keys(op.responses).some((s) => /^2/.test(s))).toBe(true);
      }
    }
    for (const p of ['/healthz', '/readyz', '/metrics', '/v1/devices', '/v1/jobs/{id}'])
      expect(doc.paths[p]).toBeDefined();
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    // the schema that validates a body is the one the document shows
    expect(doc.paths['/v1/devices'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DeviceCreate',
    });
    expect(doc.components.schemas.DeviceInput.additionalProperties).toBe(false);
    expect(doc.paths['/v1/devices'].get.responses['401'].headers['WWW-Authenticate']).toBeDefined();
  });

  it('passes redocly lint with no errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmb-openapi-'));
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    let out = '';
    let failed = false;
    try {
      out = execFileSync(process.execPath, [REDOCLY, 'lint', file, '--format=stylish'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
    } catch (err) {
      failed = true;
      const e = err as { stdout?: string; stderr?: string };
      out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    if (failed) throw new Error(`redocly lint failed:\n${out}`);
    expect(out).not.toMatch(/\berror\b/i);
  }, 60000);
});
