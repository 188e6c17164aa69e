import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPackage0 } from './package0-reading';

/** The shared golden vectors (../shared/vectors, README "DM package #0"), read the handset's way. */
const vector = (name: string) =>
  Buffer.from(
    readFileSync(join(__dirname, '../../../../../shared/vectors', `${name}.hex`), 'latin1').trim(),
    'hex',
  );
const nonce16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const account = { serverId: 'gw.example', serverPassword: 'secret' };

describe('simulated handset: its own reading of package #0 (DM Notification §6.2)', () => {
  it.each([
    ['dm_pkg0_v11_ui0_empty', new Uint8Array(0), 11, 0],
    ['dm_pkg0_v11_ui0_nonce16', nonce16, 11, 0],
    ['dm_pkg0_v12_ui0_nonce16', nonce16, 12, 0],
    ['dm_pkg0_v11_ui1_nonce16', nonce16, 11, 1],
  ])('%s verifies and reads', (name, nonce, version, uiMode) => {
    const p = readPackage0(vector(name), { ...account, nonce });
    expect(p).toMatchObject({
      version,
      uiMode,
      initiator: 'server',
      futureUse: 0,
      sessionId: 0x1234,
      sessionIdHex: '1234',
      serverId: 'gw.example',
    });
    expect(p.vendorSpecific).toHaveLength(0);
  });

  it('refuses another nonce, another password, another server and a cut message', () => {
    const v = vector('dm_pkg0_v11_ui0_nonce16');
    expect(() => readPackage0(v, { ...account, nonce: new Uint8Array(0) })).toThrow(/digest/);
    expect(() => readPackage0(v, { ...account, serverPassword: 'x', nonce: nonce16 })).toThrow(
      /digest/,
    );
    expect(() =>
      readPackage0(v, { serverId: 'other', serverPassword: 'secret', nonce: nonce16 }),
    ).toThrow(/names server gw.example/);
    expect(() => readPackage0(v.subarray(0, 30), { ...account, nonce: nonce16 })).toThrow(
      /runs past|too short/,
    );
  });
});
