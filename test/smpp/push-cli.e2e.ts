import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../apps/cli/src/commands/push.command';
import { OmaCpHandset } from '../../apps/simulator/src/handsets/oma-cp-handset';
import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';

const VECTORS = resolve(__dirname, '../../../shared/vectors');
const CP_XML = resolve(VECTORS, 'cp_bootstrap.xml');
const vec = (name: string) => readFileSync(resolve(VECTORS, name), 'utf8').trim();

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await run(argv, { stdout, stderr });
  return { code, out, err };
}

describe('dm-bridge push', () => {
  let smsc: SimulatedSmsc;
  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { cli: 's3cr3t-pw' } });
    await smsc.start();
  });
  afterAll(() => smsc.stop());

  it('push cp --preview --reveal prints the WSP PDU of vectors/cp_wsp_push_netwpin.hex and sends nothing', async () => {
    const before = smsc.submitCount;
    const r = await cli([
      'cp',
      CP_XML,
      '--to',
      '491701234567',
      '--sec',
      'NETWPIN',
      '--imsi',
      '262019876543210',
      '--preview',
      '--reveal',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.wspPduHex).toBe(vec('cp_wsp_push_netwpin.hex'));
    expect(p.segments).toHaveLength(4);
    expect(smsc.submitCount).toBe(before);
  });

  it('push cp --preview masks the MAC unless --reveal', async () => {
    const r = await cli([
      'cp',
      CP_XML,
      '--to',
      '491701234567',
      '--sec',
      'USERPIN',
      '--pin',
      '1234',
      '--preview',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('SMS 4/4');
    expect(r.out).not.toContain('25E446D94AD2A3BCC7D5C89DF62CCB6859339D05');
  });

  it('push cp sends through the SMSC, waits for receipts, prints message ids, never the password', async () => {
    const h = new OmaCpHandset({ msisdn: '491701111111', imsi: '262019876543210' });
    smsc.addHandset(h);
    const r = await cli([
      'cp',
      CP_XML,
      '--to',
      h.msisdn,
      '--sec',
      'NETWPIN',
      '--imsi',
      '262019876543210',
      '--smsc',
      smsc.url('cli', 's3cr3t-pw'),
      '--wait-receipt',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/segment 4\/4: message id [0-9a-f]+/);
    expect(r.out).toContain('DELIVRD, DELIVRD, DELIVRD, DELIVRD -> delivered');
    expect(r.out + r.err).not.toContain('s3cr3t-pw');
    expect(h.documents).toHaveLength(1);
    expect(h.documents[0].mac).toBe('042362E201285017C2F66E59F5DF390D7DFBD8D3');
  });

  it('push dm-notify reaches the DM handset front with a valid digest', async () => {
    const h = new OmaDmHandsetFront({
      msisdn: '491702222222',
      serverId: 'gw.example',
      serverPassword: 'secret',
      nonce: new Uint8Array(Buffer.from('AAECAwQFBgcICQoLDA0ODw==', 'base64')),
    });
    smsc.addHandset(h);
    const r = await cli([
      'dm-notify',
      '--to',
      h.msisdn,
      '--server-id',
      'gw.example',
      '--server-password',
      'secret',
      '--nonce',
      'AAECAwQFBgcICQoLDA0ODw==',
      '--session-id',
      '1234',
      '--smsc',
      smsc.url('cli', 's3cr3t-pw'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).messageIds).toHaveLength(1);
    const [n] = await h.waitForNotifications(1);
    expect(n.sessionIdHex).toBe('1234');
    expect(r.out).not.toContain('secret');
  });

  it('a permanent SMSC error exits 1 naming the status; usage errors exit 2', async () => {
    smsc.failDestination('491703333333', 0x0b);
    const r = await cli([
      'dm-notify',
      '--to',
      '491703333333',
      '--server-id',
      'x',
      '--server-password',
      'y',
      '--smsc',
      smsc.url('cli', 's3cr3t-pw'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('ESME_RINVDSTADR');
    expect((await cli(['cp', CP_XML, '--to', '49170', '--sec', 'NETWPIN', '--preview'])).code).toBe(
      2,
    );
    const bad = await cli([
      'cp',
      CP_XML,
      '--to',
      '49170',
      '--sec',
      'USERPIN',
      '--pin',
      '1',
      '--smsc',
      smsc.url('cli', 'wrong'),
      '--timeout',
      '1500',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ESME_RINVPASWD');
    expect(bad.err).not.toContain('wrong');
  });
});
