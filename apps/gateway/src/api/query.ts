import { CONTROL_CHARS, ValidationError } from '@dm-bridge/core';

export function parseLimit(raw: unknown, def = 100, max = 1000): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ValidationError('invalid-limit', `limit must be an integer from 1 to ${max}`);
  return n;
}

export function optionalString(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 256 || CONTROL_CHARS.test(raw))
    throw new ValidationError('invalid-query', `${name} must be a single string`);
  return raw;
}

/** An ISO 8601 date or date-time (`2024-05-01`, `2024-05-01T12:00:00Z`) as ms since the epoch. */
export function optionalTime(raw: unknown, name: string): number | undefined {
  const s = optionalString(raw, name);
  if (s === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)
    ? Date.parse(s)
    : NaN;
  if (!Number.isFinite(at))
    throw new ValidationError('invalid-query', `${name} must be an ISO 8601 date or date-time`, {
      field: name,
    });
  return at;
}

/** `true` or `false` (absent: false). */
export function optionalFlag(raw: unknown, name: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ValidationError('invalid-query', `${name} must be true or false`);
}

/** Cursors are opaque to clients: base64url of the last id seen. */
export function decodeCursor(raw: unknown): string | undefined {
  const s = optionalString(raw, 'cursor');
  if (s === undefined) return undefined;
  const id = Buffer.from(s, 'base64url').toString('utf8');
  if (!/^[\x21-\x7e]{1,128}$/.test(id))
    throw new ValidationError('invalid-cursor', 'cursor is not valid');
  return id;
}

export function encodeCursor(id: string | undefined): string | undefined {
  return id === undefined ? undefined : Buffer.from(id, 'utf8').toString('base64url');
}

export function requireObject(body: unknown): Record<string, any> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('invalid-body', 'the request body must be a JSON object');
  return body as Record<string, any>;
}
