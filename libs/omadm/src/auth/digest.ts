import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * OMA DM authentication formulas (DM Security 1.2 §5.1; digest in shared/protocols §3.6).
 * Nonces are raw bytes (the base64-decoded NextNonce); B64 of each inner MD5 is hashed as ASCII.
 */
function md5(...parts: (string | Uint8Array)[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function b64md5(...parts: (string | Uint8Array)[]): string {
  return md5(...parts).toString('base64');
}

export function basicCredential(name: string, password: string): string {
  return Buffer.from(`${name}:${password}`, 'utf8').toString('base64');
}

export function md5Credential(name: string, password: string, nonce: Uint8Array): string {
  return b64md5(b64md5(`${name}:${password}`), ':', nonce);
}

/** The `mac` of the x-syncml-hmac header over the exact body bytes. */
export function hmacDigest(
  name: string,
  password: string,
  nonce: Uint8Array,
  body: Uint8Array,
): string {
  return b64md5(b64md5(`${name}:${password}`), ':', nonce, ':', b64md5(body));
}

/** Constant-time comparison of two base64 (or any ASCII) credential strings. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
