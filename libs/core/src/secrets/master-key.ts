import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../errors';

export interface MasterKeySource {
  /** Base64 or hex master key given by the operator (e.g. `DMB_MASTER_KEY`). */
  value?: string;
  /** File holding the key, created with mode 0600 when absent. */
  file: string;
  warn?: (message: string) => void;
}

function decodeKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new ValidationError(
      'invalid-master-key',
      'master key must be 32 bytes (64 hex digits or base64)',
    );
  }
  return key;
}

/**
 * Loads the master key that encrypts device secrets. Without one configured, the first start
 * generates a key file (mode 0600) and warns: losing that file makes stored secrets unreadable.
 */
export function loadOrCreateMasterKey(source: MasterKeySource): Buffer {
  if (source.value) return decodeKey(source.value);
  if (existsSync(source.file)) return decodeKey(readFileSync(source.file, 'utf8'));
  const key = randomBytes(32);
  mkdirSync(dirname(source.file), { recursive: true, mode: 0o700 });
  writeFileSync(source.file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(source.file, 0o600);
  (source.warn ?? console.warn)(
    `No master key configured: generated ${source.file} (mode 0600). Back it up; device secrets cannot be decrypted without it.`,
  );
  return key;
}
