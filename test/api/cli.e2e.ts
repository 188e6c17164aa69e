import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as campaigns } from '../../apps/cli/src/commands/campaigns.command';
import { run as devices } from '../../apps/cli/src/commands/devices.command';
import { run as jobs } from '../../apps/cli/src/commands/jobs.command';
import { ADMIN_KEY, ApiFixture, dropPrefix, startApi } from './api-fixture';
import { PHONE_FLEET_ENV, PhoneFleet } from './phone-fleet';

async function capture(
  fn: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: any) => ((out += String(c)), true));
  const e = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: any) => ((err += String(c)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('dm-bridge devices|jobs|campaigns over the REST API', () => {
  let f: ApiFixture;
  let common: string[];
  let fleet: PhoneFleet;
  beforeAll(async () => {
    f = await startApi(PHONE_FLEET_ENV);
    fleet = new PhoneFleet(f);
    common = ['--url', f.gw.apiUrl, '--key', ADMIN_KEY];
  });
  afterAll(async () => {
    await fleet.stop();
    await f.close();
    await dropPrefix(f.prefix);
  });

  it('imports a CSV file, lists, runs a job and a campaign with a progress bar', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmb-cli-'));
    const csv = join(dir, 'fleet.csv');
    // five OpenStage phones (simulated, served by the Workpoint engine) and a bad row
    const macs = Array.from({ length: 5 }, () => fleet.mac());
    writeFileSync(
      csv,
      'id,protocol,msisdn,mac,tags\n' +
        macs.map((mac, i) => `cli-${i},workpoint,,${mac.toLowerCase()},cli`).join('\n') +
        '\ncli-bad,omadm,nope,,cli\n',
    );
    const imported = await capture(() => devices(['import', csv, ...common]));
    expect(imported.code).toBe(1);
    expect(imported.out).toContain('rows 6, created 5, failed 1');
    expect(imported.out).toMatch(/row 6 \(cli-bad\): MSISDN 'nope'/);
    const listed = await capture(() => devices(['list', '--tag', 'cli', ...common]));
    expect(listed.out.trim().split('\n')).toHaveLength(5);
    const phones = await fleet.attach(
      macs.map((_, i) => `cli-${i}`),
      macs,
    );
    const job = await capture(() =>
      jobs([
        'create',
        'cli-0',
        'get:firmware.version',
        'set:sip.user=alice',
        '--wait',
        '5',
        ...common,
      ]),
    );
    expect(job.code).toBe(0);
    expect(job.out).toContain(
      `\tcli-0\tsucceeded\tok=${phones[0].items.get('software-version')} ok`,
    );
    expect(phones[0].items.get('sip-user-id')).toBe('alice');
    const c = await capture(() =>
      campaigns([
        'create',
        '--tag',
        'cli',
        'reboot',
        '--rate',
        '50',
        '--watch',
        '--interval',
        '100',
        ...common,
      ]),
    );
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/\[#{30}\] 100% {2}5\/5 done · succeeded 5 · completed/);
    const bad = await capture(() => jobs(['create', 'missing-device', 'reboot', ...common]));
    expect(bad).toMatchObject({
      code: 1,
      err: expect.stringContaining('404 Not Found (device-not-found)'),
    });
  });
});
