import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as devices } from '../../apps/cli/src/commands/devices.command';
import { run as jobs } from '../../apps/cli/src/commands/jobs.command';
import { runCli } from '../../apps/cli/src/main';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi } from './api-fixture';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: any) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await fn(), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('CLI: version, help, import dry-run and upsert', () => {
  let f: ApiFixture;
  let common: string[];
  beforeAll(async () => {
    f = await startApi();
    common = ['--url', f.gw.apiUrl, '--key', ADMIN_KEY];
  });
  afterAll(async () => {
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('prints its version and exits 0 for --help', async () => {
    const version = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version;
    expect(await capture(() => runCli(['--version']))).toEqual({
      code: 0,
      out: `dm-bridge ${version}\n`,
    });
    for (const run of [devices, jobs]) {
      const help = await capture(() => run(['--help']));
      expect(help.code).toBe(0);
      expect(help.out).toMatch(/^usage: dm-bridge /);
    }
  });

  it('imports with --dry-run (nothing written) and --upsert (existing ids updated)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmb-cli-edges-'));
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, 'id,protocol,msisdn,tags\ncx-1,omacp,+491706660001,a\ncx-2,omacp,bad,a\n');
    const dry = await capture(() => devices(['import', csv, '--dry-run', ...common]));
    expect(dry.out).toContain('dry run: rows 2, valid 1, failed 1 (nothing written)');
    expect(dry.out).toMatch(/row 2 \(cx-2\)|row 2: /);
    expect((await f.call('GET', '/v1/devices/cx-1')).status).toBe(404);
    await capture(() => devices(['import', csv, ...common]));
    writeFileSync(csv, 'id,protocol,msisdn,tags\ncx-1,omacp,+491706660001,b\n');
    const up = await capture(() => devices(['import', csv, '--upsert', ...common]));
    expect(up).toMatchObject({ code: 0 });
    expect(up.out).toContain('rows 1, created 0, updated 1, failed 0');
    expect((await f.call('GET', '/v1/devices/cx-1')).body.tags).toEqual(['b']);
  });
});
