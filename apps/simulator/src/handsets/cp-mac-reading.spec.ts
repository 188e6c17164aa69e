import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCpMac, imsiKey } from './cp-mac-reading';

/** Golden vectors of ../shared/protocols/omadm-cp-wap.md §5.5–5.6, checked the handset's way. */
const body = readFileSync(
  join(__dirname, '../../../../../shared/vectors/cp_bootstrap.nostrtbl.wbxml'),
);

describe('simulated CP handset: its own SEC/MAC check (ProvBoot §5)', () => {
  it('builds the semi-octet IMSI key', () => {
    expect(imsiKey('262019876543210').toString('hex').toUpperCase()).toBe('2926108967452301');
    expect(imsiKey('21407650123456').toString('hex').toUpperCase()).toBe('21417056103254F6');
  });

  it.each([
    [0, '042362E201285017C2F66E59F5DF390D7DFBD8D3'],
    [1, '25E446D94AD2A3BCC7D5C89DF62CCB6859339D05'],
    [2, '2F1D02152F6C0B4920A6968AB69F58BE4BEFF70B'],
  ])('SEC %i: the vector MAC verifies', (sec, mac) => {
    expect(() =>
      checkCpMac(body, { sec, mac }, { imsi: '262019876543210', pin: '1234' }),
    ).not.toThrow();
  });

  it('refuses a wrong PIN, lower-case hex, a missing IMSI and USERPINMAC', () => {
    const mac = '25E446D94AD2A3BCC7D5C89DF62CCB6859339D05';
    expect(() => checkCpMac(body, { sec: 1, mac }, { pin: '4321' })).toThrow(/does not match/);
    expect(() => checkCpMac(body, { sec: 1, mac: mac.toLowerCase() }, { pin: '1234' })).toThrow(
      /does not match/,
    );
    expect(() => checkCpMac(body, { sec: 0, mac }, { pin: '1234' })).toThrow(/IMSI/);
    expect(() => checkCpMac(body, { sec: 3, mac }, { pin: '1234' })).toThrow(/not supported/);
  });
});
