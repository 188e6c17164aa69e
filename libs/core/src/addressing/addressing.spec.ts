import fc from 'fast-check';
import { ValidationError } from '../errors';
import { normaliseMac } from './mac';
import { normaliseMsisdn } from './msisdn';

describe('normaliseMsisdn (E.164)', () => {
  it.each([
    ['+49 170 1234567', '+491701234567'],
    ['0049-170-1234567', '+491701234567'],
    ['(+44) 7700.900123', '+447700900123'],
    ['491701234567', '+491701234567'],
  ])('%s -> %s', (input, out) => expect(normaliseMsisdn(input)).toBe(out));

  it('expands a national number with the default country code', () => {
    expect(normaliseMsisdn('0170 1234567', '49')).toBe('+491701234567');
  });

  it.each(['', '+0123456789', '12345', '+1234567890123456', '+49abc1234567', '0170 1234567'])(
    'refuses %p with a typed error',
    (bad) => expect(() => normaliseMsisdn(bad)).toThrow(ValidationError),
  );

  it('is idempotent and keeps the digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{7,14}$/), (digits) => {
        const once = normaliseMsisdn(`+${digits}`);
        expect(once).toBe(`+${digits}`);
        expect(normaliseMsisdn(once)).toBe(once);
        expect(normaliseMsisdn(`00${digits}`)).toBe(once);
      }),
    );
  });
});

describe('normaliseMac', () => {
  it.each(['00:1A:E8:12:34:56', '00-1a-e8-12-34-56', '001ae8123456', '001A.E812.3456'])(
    '%s',
    (input) => expect(normaliseMac(input)).toBe('00:1a:e8:12:34:56'),
  );
  it.each(['00:1a:e8:12:34', 'zz1ae8123456', ''])('refuses %p', (bad) =>
    expect(() => normaliseMac(bad)).toThrow(ValidationError),
  );
  it('round-trips any 48-bit address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        const mac = normaliseMac(hex.toUpperCase());
        expect(mac.replace(/:/g, '')).toBe(hex);
        expect(normaliseMac(mac)).toBe(mac);
      }),
    );
  });
});
