import { hex, vectorFile, vectorHex, vectorsJson } from '../../../test/wap-push/vectors';
import {
  CpSecurityError,
  CpSigner,
  deriveCpKey,
  imsiToKey,
  signProvisioningDocument,
  verifyProvisioningMac,
} from './index';

const body = vectorFile('cp_bootstrap.nostrtbl.wbxml');
const macs = vectorsJson()['cp_macs_over_cp_bootstrap.nostrtbl.wbxml'];
const IMSI = '262019876543210';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CpSecurityError);
    return (e as CpSecurityError).code;
  }
  throw new Error('expected CpSecurityError');
}

describe('OMA CP key derivation (ProvBoot 1.1 §5.4; IMSI per TS 24.008 §10.5.1.4)', () => {
  it('odd-length IMSI: type nibble 9, no filler', () => {
    expect(hex(imsiToKey(IMSI))).toBe(vectorHex('cp_key_netwpin'));
  });

  it('even-length IMSI: type nibble 1 and F filler', () => {
    expect(hex(imsiToKey('21407650123456'))).toBe(vectorHex('cp_key_imsi_even_example'));
  });

  it('USERNETWPIN key is IMSI key || PIN ASCII', () => {
    expect(hex(deriveCpKey({ sec: 'USERNETWPIN', imsi: IMSI, pin: '1234' }))).toBe(
      '292610896745230131323334',
    );
  });

  it.each([
    ['an IMSI with letters', { sec: 'NETWPIN', imsi: '26201A' }],
    ['a 16-digit IMSI', { sec: 'NETWPIN', imsi: '1234567890123456' }],
    ['no IMSI for NETWPIN', { sec: 'NETWPIN' }],
    ['no PIN for USERPIN', { sec: 'USERPIN' }],
    ['an empty PIN', { sec: 'USERNETWPIN', imsi: IMSI, pin: '' }],
  ])('rejects %s', (_n, input) => {
    expect(codeOf(() => deriveCpKey(input))).toBe('CP_INVALID_KEY_MATERIAL');
  });

  it('refuses USERPINMAC (derivation not verifiable) and unknown SEC names', () => {
    expect(codeOf(() => deriveCpKey({ sec: 'USERPINMAC', pin: '1234' }))).toBe(
      'CP_UNSUPPORTED_SEC',
    );
    expect(codeOf(() => deriveCpKey({ sec: 3, pin: '1234' }))).toBe('CP_UNSUPPORTED_SEC');
    expect(codeOf(() => deriveCpKey({ sec: 'NETWORKPIN', imsi: IMSI }))).toBe('CP_UNSUPPORTED_SEC');
  });
});

describe('OMA CP MAC: HMAC-SHA1 over the exact WBXML, 40 upper-case hex (ProvBoot 1.1 §5.4)', () => {
  it.each([
    ['NETWPIN', { imsi: IMSI }],
    ['USERPIN', { pin: '1234' }],
    ['USERNETWPIN', { imsi: IMSI, pin: '1234' }],
  ])('%s over cp_bootstrap.nostrtbl.wbxml', (sec, material) => {
    const signed = signProvisioningDocument(body, { sec, ...material });
    expect(signed.mac).toBe(macs[sec]);
    expect(signed.secName).toBe(sec);
    expect(signed.contentTypeParams).toEqual([
      { name: 'SEC', code: 0x11, value: signed.sec },
      { name: 'MAC', code: 0x12, value: macs[sec] },
    ]);
  });

  it('is defined over the bytes sent: the string-table encoding gives another MAC', () => {
    const strtbl = vectorFile('cp_bootstrap.wbxml');
    expect(signProvisioningDocument(strtbl, { sec: 'USERPIN', pin: '1234' }).mac).toBe(
      vectorsJson()['cp_macs_over_cp_bootstrap.wbxml'].USERPIN,
    );
  });

  it('a reusable signer gives the same MAC', () => {
    const signer = new CpSigner({ sec: 0, imsi: IMSI });
    expect(signer.sign(body).mac).toBe(macs.NETWPIN);
    expect(signer.sign(body).mac).toBe(macs.NETWPIN);
  });

  it('handset verification accepts the right MAC and rejects a wrong one', () => {
    expect(() =>
      verifyProvisioningMac(body, { sec: 'NETWPIN', imsi: IMSI, mac: macs.NETWPIN }),
    ).not.toThrow();
    expect(
      codeOf(() =>
        verifyProvisioningMac(body, { sec: 'NETWPIN', imsi: '262019876543211', mac: macs.NETWPIN }),
      ),
    ).toBe('CP_MAC_MISMATCH');
    const tampered = body.slice();
    tampered[tampered.length - 3] ^= 1;
    expect(
      codeOf(() =>
        verifyProvisioningMac(tampered, { sec: 'USERPIN', pin: '1234', mac: macs.USERPIN }),
      ),
    ).toBe('CP_MAC_MISMATCH');
    // handsets compare the upper-case string: lower case is a mismatch
    expect(
      codeOf(() =>
        verifyProvisioningMac(body, {
          sec: 'USERPIN',
          pin: '1234',
          mac: macs.USERPIN.toLowerCase(),
        }),
      ),
    ).toBe('CP_MAC_MISMATCH');
    expect(
      codeOf(() => verifyProvisioningMac(body, { sec: 'USERPIN', pin: '1234', mac: 'XYZ' })),
    ).toBe('CP_INVALID_MAC');
  });
});
