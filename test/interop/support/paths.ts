import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** ../shared beside the repository root (CI clones the repo with shared/ next to it). */
export const SHARED = path.resolve(__dirname, '..', '..', '..', '..', 'shared');
export const VECTORS = path.join(SHARED, 'vectors');
export const CORPUS = path.join(SHARED, 'corpus');
export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

export const readText = (file: string): string => readFileSync(file, 'utf8');

/** A one-line lowercase .hex vector from ../shared/vectors as bytes. */
export function vectorHex(name: string): Buffer {
  return Buffer.from(readText(path.join(VECTORS, `${name}.hex`)).trim(), 'hex');
}

/** Wireshark shows byte fields as "0b:05:04"; this gives plain lowercase hex. */
export const wsHex = (show: string): string => show.replace(/:/g, '').toLowerCase();
