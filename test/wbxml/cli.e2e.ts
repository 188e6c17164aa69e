/** `dm-bridge wbxml` command, run as a function over real files and real streams. */
import { PassThrough } from 'stream';
import { run } from '../../apps/cli/src/commands/wbxml.command';
import { decodeWbxml, parseXml } from '@dm-bridge/wbxml';
import { hex, plainDoc, readText, readVector, vectorPath } from './wbxml-test-support';

interface Result {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function cli(argv: string[], stdinData?: Uint8Array | string): Promise<Result> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(stdinData ?? '');
  const code = await run(argv, { stdin, stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

describe('dm-bridge wbxml', () => {
  it('decode FILE prints the XML of a WBXML file', async () => {
    const r = await cli(['decode', vectorPath('dm_server_pkg2.wbxml')]);
    expect(r.code).toBe(0);
    const xml = r.stdout.toString('utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE SyncML PUBLIC "-\/\/SYNCML\/\/DTD SyncML 1.2\/\/EN"/,
    );
    expect(plainDoc(parseXml(xml), { loose: true })).toEqual(
      plainDoc(parseXml(readText(vectorPath('dm_server_pkg2.xml'))), { loose: true }),
    );
  });

  it('decode - reads standard input', async () => {
    const r = await cli(['decode', '--compact', '-'], readVector('cp_bootstrap.nostrtbl.wbxml'));
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('<parm name="AAUTHLEVEL" value="APPSRV"/>');
  });

  it('encode FILE takes the language from the DOCTYPE and writes the exact CP bytes', async () => {
    const r = await cli(['encode', vectorPath('cp_bootstrap.xml')]);
    expect(r.code).toBe(0);
    expect(hex(r.stdout)).toBe(hex(readVector('cp_bootstrap.nostrtbl.wbxml')));
  });

  it('encode - with --lang and without a DOCTYPE (root element decides otherwise)', async () => {
    const xml = '<SyncML xmlns="SYNCML:SYNCML1.1"><SyncHdr><VerDTD>1.1</VerDTD></SyncHdr></SyncML>';
    const byRoot = await cli(['encode', '--hex', '-'], xml);
    expect(byRoot.stdout.toString().trim()).toBe('039f536a006d6c7103312e3100010101');
    const bare = '<SyncML><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr></SyncML>';
    const forced = await cli(['encode', '--lang', 'syncml12', '--wbxml-version', '1.2', '-'], bare);
    expect(hex(forced.stdout)).toBe('02a4016a006d6c7103312e3200010101');
  });

  it('encode --string-table builds a table that decodes to the same tree', async () => {
    const r = await cli(['encode', '--string-table', vectorPath('dm_client_pkg1.xml')]);
    expect(r.code).toBe(0);
    expect(r.stdout[4]).toBeGreaterThan(0); // string table length
    const doc = decodeWbxml(new Uint8Array(r.stdout));
    expect(plainDoc(doc, { loose: true })).toEqual(
      plainDoc(parseXml(readText(vectorPath('dm_client_pkg1.xml'))), { loose: true }),
    );
  });

  it('reports bad WBXML with the byte offset and exit code 1', async () => {
    const r = await cli(['decode', '-'], readVector('dm_server_pkg2.wbxml').subarray(0, 40));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dm-bridge wbxml: .*at byte \d+/);
  });

  it('reports bad XML with line and column', async () => {
    const r = await cli(['encode', '-'], '<SyncML>\n<SyncHdr></SyncML>');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2, column 10');
  });

  it('reports a missing file and usage errors', async () => {
    expect((await cli(['decode', '/nonexistent/x.wbxml'])).stderr).toContain('no such file');
    const usage = await cli(['encode', '--lang', 'klingon', 'x.xml']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown language "klingon"');
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--help'])).stdout.toString()).toContain('dm-bridge wbxml decode');
  });
});
