import { backoffMs } from '../bind/backoff';
import { classifySmppStatus, smppStatusName } from '../status/smpp-status';
import { BindConfigError, bindToUrl, describeBind, parseSmscUrl } from './bind-config';

describe('SMSC configuration', () => {
  it('parses an smpp:// URL with options', () => {
    const c = parseSmscUrl(
      'smpp://gw:p%40ss@smsc.example:2776?id=op1&mode=transmitter&window=50&rate=200&source=OPERATOR&source_ton=5&source_npi=0&validity=000001000000000R&payload=sar&submit_id=hex&receipt_id=decimal&system_type=VMA',
    );
    expect(c).toMatchObject({
      id: 'op1',
      host: 'smsc.example',
      port: 2776,
      systemId: 'gw',
      password: 'p@ss',
      systemType: 'VMA',
      mode: 'transmitter',
      window: 50,
      ratePerSecond: 200,
      source: { ton: 5, npi: 0, address: 'OPERATOR' },
      validityPeriod: '000001000000000R',
      payloadMode: 'sar',
      submitIdBase: 'hex',
      receiptIdBase: 'decimal',
    });
    expect(describeBind(c)).not.toContain('p@ss');
  });

  it('refuses bad input with a typed error', () => {
    expect(() => parseSmscUrl('http://x')).toThrow(BindConfigError);
    expect(() => parseSmscUrl('not a url')).toThrow(BindConfigError);
    expect(() => parseSmscUrl('smpp://a:b@h?mode=receiver')).toThrow(/mode/);
    expect(() => parseSmscUrl('smpp://a:b@h?window=-1')).toThrow(/window/);
  });

  it('refuses unknown parameters by name, repeated ones, an empty system_id and a path', () => {
    expect(() => parseSmscUrl('smpp://a:b@h?windw=10&rate=5&colour=1')).toThrow(
      /unknown parameter\(s\) "windw", "colour"/,
    );
    expect(() => parseSmscUrl('smpp://a:b@h?window=1&window=2')).toThrow(/window is given twice/);
    expect(() => parseSmscUrl('smpp://:b@h')).toThrow(/empty system_id/);
    expect(() => parseSmscUrl('smpp://h:2775')).toThrow(/empty system_id/);
    expect(() => parseSmscUrl('smpp://a:b@h/x')).toThrow(/no path/);
    expect(() => parseSmscUrl('smpp://a:%zz@h')).toThrow(/percent-encoding/);
  });

  it('renders a configuration as a URL with the password masked, and reads it back', () => {
    const url =
      'smpp://gw:p%40ss@smsc.example:2776?id=op1&mode=transmitter&window=50&rate=200&payload=sar';
    const c = parseSmscUrl(url);
    expect(bindToUrl(c)).toBe(
      'smpp://gw:********@smsc.example:2776?id=op1&mode=transmitter&window=50&rate=200&payload=sar',
    );
    expect(parseSmscUrl(bindToUrl(c, 'p@ss'))).toEqual(c);
    expect(bindToUrl({ ...c, password: '' })).toBe(
      'smpp://gw@smsc.example:2776?id=op1&mode=transmitter&window=50&rate=200&payload=sar',
    );
  });

  it('classifies SMPP statuses (throttle / temporary / permanent) and names them', () => {
    expect(classifySmppStatus(0x58)).toBe('throttle');
    expect(classifySmppStatus(0x14)).toBe('throttle');
    expect(classifySmppStatus(0x08)).toBe('temporary');
    expect(classifySmppStatus(0x0b)).toBe('permanent');
    expect(smppStatusName(0x0b)).toBe('ESME_RINVDSTADR');
    expect(smppStatusName(0x4242)).toBe('0x00004242');
  });

  it('back-off grows exponentially, is capped and jittered', () => {
    expect(backoffMs(0, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(20, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffMs(20, 100, 10_000, () => 0)).toBe(5_000);
  });
});
