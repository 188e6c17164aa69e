import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/**
 * The default-mode certificate: the configured files, else a self-signed one created once with
 * the `openssl` command under `<varDir>/workpoint/` (Node cannot create X.509 certificates).
 * Phones in default mode do not check it (DG p.12). RSA 2048 because old firmware may not speak ECDSA.
 */
export async function ensureServerCertificate(opts: {
  certFile?: string;
  keyFile?: string;
  varDir: string;
  commonName?: string;
}): Promise<CertificatePair> {
  if (opts.certFile && opts.keyFile) {
    return {
      cert: readFileSync(opts.certFile),
      key: readFileSync(opts.keyFile),
      certFile: opts.certFile,
      keyFile: opts.keyFile,
    };
  }
  const dir = join(opts.varDir, 'workpoint');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cn = opts.commonName ?? 'dm-bridge DLS';
    const tmp = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      `${keyFile}${tmp}`,
      '-out',
      `${certFile}${tmp}`,
    ]);
    // use our own pair even if a concurrent start renames its pair over ours
    const cert = readFileSync(`${certFile}${tmp}`);
    const key = readFileSync(`${keyFile}${tmp}`);
    chmodSync(`${keyFile}${tmp}`, 0o600);
    renameSync(`${keyFile}${tmp}`, keyFile);
    renameSync(`${certFile}${tmp}`, certFile);
    return { cert, key, certFile, keyFile };
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}
