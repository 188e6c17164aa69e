import fc from 'fast-check';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateMasterKey } from './master-key';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('round-trips any string and never stores the plaintext', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (plain) => {
        const sealed = box.seal(plain);
        expect(SecretBox.isSealed(sealed)).toBe(true);
        expect(sealed.includes(plain) && plain.length > 3).toBe(false);
        expect(box.open(sealed)).toBe(plain);
      }),
    );
  });

  it('refuses a tampered value and a value sealed under another key', () => {
    const sealed = box.seal('s3cret-pin');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open('e1:' + raw.toString('base64url'))).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow();
  });
});

describe('loadOrCreateMasterKey', () => {
  it('generates a 0600 key file once, with a warning, and reads it back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dmb-key-')), 'var', 'master.key');
    const warnings: string[] = [];
    const key = loadOrCreateMasterKey({ file, warn: (m) => warnings.push(m) });
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain(key.toString('base64'));
    expect(loadOrCreateMasterKey({ file, warn: (m) => warnings.push(m) })).toEqual(key);
    expect(warnings).toHaveLength(1);
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'));
  });

  it('takes a configured hex key and refuses a short one', () => {
    expect(loadOrCreateMasterKey({ value: 'ab'.repeat(32), file: '/nonexistent/x' })).toEqual(
      Buffer.alloc(32, 0xab),
    );
    expect(() => loadOrCreateMasterKey({ value: 'abcd', file: '/nonexistent/x' })).toThrow(
      /32 bytes/,
    );
  });
});
