import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Golden vectors from ../shared/vectors (beside the repository root). */
export const VECTORS_DIR = path.resolve(__dirname, '../../../shared/vectors');

export function vectorHex(name: string): string {
  return readFileSync(path.join(VECTORS_DIR, `${name}.hex`), 'utf8')
    .trim()
    .toLowerCase();
}

export function vectorBytes(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(vectorHex(name), 'hex'));
}

export function vectorFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(VECTORS_DIR, name)));
}

export function vectorText(name: string): string {
  return readFileSync(path.join(VECTORS_DIR, name), 'utf8');
}

export function vectorsJson(): Record<string, any> {
  return JSON.parse(vectorText('vectors.json'));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
