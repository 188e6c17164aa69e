import { createHash } from 'node:crypto';

/**
 * SHA-256 fingerprint of the first certificate in a PEM bundle, in the form Node's TLS layer
 * reports a peer certificate (`fingerprint256`: upper-case hex pairs joined by colons). The
 * engine keeps the fingerprint of the client certificate it installed in a phone, so the secure
 * listener serves that phone only to that certificate, not to any certificate of the same CA.
 */
export function certificateFingerprint(pem: string): string | undefined {
  const block = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!block) return undefined;
  const der = Buffer.from(block[1].replace(/\s+/g, ''), 'base64');
  if (der.length === 0) return undefined;
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}
