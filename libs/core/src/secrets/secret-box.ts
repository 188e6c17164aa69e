import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors';

const PREFIX = 'e1:';

/**
 * Encrypts secrets at rest with AES-256-GCM under the master key. The stored form is
 * `e1:` + base64url(iv(12) | tag(16) | ciphertext), compact enough to sit inside a device record.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new ValidationError('invalid-master-key', 'master key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed))
      throw new ValidationError('invalid-secret', 'value is not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /**
   * A keyed, one-way fingerprint (`hmac:` + 16 chars): lets inventory record that a secret was
   * applied, and notice when it changes, without storing it.
   */
  fingerprint(plain: string): string {
    return 'hmac:' + createHmac('sha256', this.key).update(plain).digest('base64url').slice(0, 16);
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }
}

/** What the API shows instead of a secret. */
export const MASKED = '********';
