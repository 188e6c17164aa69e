import { ValidationError } from '../errors';

/**
 * Normalise a phone number to E.164 (`+` and 8–15 digits, ITU-T E.164 §6).
 * Accepts spaces, dashes, dots, parentheses, a leading `00` international prefix, and a national
 * number with a leading `0` when a default country code is given.
 */
export function normaliseMsisdn(input: string, defaultCountryCode?: string): string {
  if (typeof input !== 'string')
    throw new ValidationError('invalid-msisdn', 'MSISDN must be a string');
  const compact = input.trim().replace(/[\s\-.()/]/g, '');
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (compact.startsWith('0') && defaultCountryCode)
    digits = defaultCountryCode + compact.slice(1);
  else digits = compact;
  if (!/^[1-9]\d{7,14}$/.test(digits)) {
    throw new ValidationError(
      'invalid-msisdn',
      `MSISDN '${input}' is not an E.164 number (country code and 8 to 15 digits)`,
    );
  }
  return `+${digits}`;
}
