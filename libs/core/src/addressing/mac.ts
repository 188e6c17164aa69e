import { ValidationError } from '../errors';

/** Normalise a MAC address to lower-case, colon-separated form (`00:1a:e8:12:34:56`). */
export function normaliseMac(input: string): string {
  if (typeof input !== 'string')
    throw new ValidationError('invalid-mac', 'MAC address must be a string');
  const hex = input
    .trim()
    .replace(/[:\-.\s]/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) {
    throw new ValidationError(
      'invalid-mac',
      `MAC address '${input}' must have 12 hexadecimal digits`,
    );
  }
  return hex.match(/../g)!.join(':');
}
