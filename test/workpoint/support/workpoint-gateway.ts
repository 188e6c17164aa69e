import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../../apps/gateway/src/bootstrap';
import {
  OpenStagePhone,
  type OpenStagePhoneOptions,
} from '../../../apps/simulator/src/phone/openstage-phone';
import { PhoneStateStore } from '../../../apps/gateway/src/workpoint/phone-state.store';
import type { RedisWorkpointJobSource } from '../../../apps/gateway/src/workpoint/redis-workpoint-job-source';
import { ContactMeService } from '../../../apps/gateway/src/workpoint/contact-me.service';
import { WorkpointRuntime } from '../../../apps/gateway/src/workpoint/workpoint.module';
import { WORKPOINT_JOB_SOURCE } from '../../../apps/gateway/src/workpoint/workpoint-job-source';
import { createTestRedis, testRedisEnv, type TestRedis } from '../../support/redis';

export interface WorkpointGateway {
  gw: RunningGateway;
  source: RedisWorkpointJobSource;
  store: PhoneStateStore;
  contactMe: ContactMeService;
  /** https://127.0.0.1:<port>/DeploymentService/LoginService */
  phoneUrl: string;
  port: number;
  securePort?: number;
  varDir: string;
  redis: TestRedis;
  phones: OpenStagePhone[];
  phone(o?: Partial<OpenStagePhoneOptions>): Promise<OpenStagePhone>;
  close(): Promise<void>;
}

let macSeq = 0;
/** A MAC unique to this test process (the key prefix already isolates, this helps reading logs). */
export function nextMac(): string {
  const n = (process.pid % 0xffff) * 0x100 + ++macSeq;
  const hex = n.toString(16).toUpperCase().padStart(6, '0').slice(-6);
  return `00:1A:E8:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** The real gateway in-process (ephemeral ports, own Redis prefix, own var dir). */
export async function startWorkpointGateway(
  env: Record<string, string> = {},
): Promise<WorkpointGateway> {
  const redis = createTestRedis('wp');
  const varDir = env.VAR_DIR ?? mkdtempSync(join(tmpdir(), 'wp-gw-'));
  const gw = await startGateway({
    env: {
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      WORKPOINT_PORT: '0',
      // drive the engine with raw items, without core jobs
      WORKPOINT_JOB_SOURCE: 'queue',
      WORKPOINT_SECURE_PORT: '0',
      HOST: '127.0.0.1',
      ...testRedisEnv(),
      REDIS_PREFIX: redis.prefix,
      LOG_LEVEL: 'error',
      VAR_DIR: varDir,
      WORKPOINT_CONTACT_GAP_MS: '0',
      WORKPOINT_CONTACT_BACKOFF_MS: '50',
      WORKPOINT_CONTACT_TIMEOUT_MS: '1000',
      ...env,
    },
    logger: false,
  });
  const runtime = gw.app.get(WorkpointRuntime);
  const port = runtime.defaultListener!.port;
  const phoneUrl = `https://127.0.0.1:${port}/DeploymentService/LoginService`;
  const phones: OpenStagePhone[] = [];
  return {
    gw,
    source: gw.app.get(WORKPOINT_JOB_SOURCE),
    store: gw.app.get(PhoneStateStore),
    contactMe: gw.app.get(ContactMeService),
    phoneUrl,
    port,
    securePort: runtime.secureListener?.port,
    varDir,
    redis,
    phones,
    async phone(o = {}) {
      const p = await new OpenStagePhone({
        gatewayUrl: phoneUrl,
        mac: nextMac(),
        rebootDelayMs: 10,
        ...o,
      }).start();
      phones.push(p);
      return p;
    },
    async close() {
      await Promise.all(phones.map((p) => p.stop()));
      await gw.close();
      await redis.cleanup();
      if (!env.VAR_DIR) rmSync(varDir, { recursive: true, force: true });
    },
  };
}

export interface SecureMaterial {
  dir: string;
  caFile: string;
  /** client certificate + private key, PEM, as written into dls-client-certificate */
  clientPem: string;
  /** a client certificate signed by another CA (must be refused) */
  strangerPem: string;
  /** another phone's certificate from the same CA (valid, but not for someone else's MAC) */
  siblingPem: string;
}

/** A CA for phone client certificates and one client certificate signed by it (openssl). */
export function makeSecureMaterial(): SecureMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'wp-sec-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const client = (ca: string, name: string) => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
    );
    return (
      readFileSync(join(dir, `${name}.crt`), 'utf8') +
      readFileSync(join(dir, `${name}.key`), 'utf8')
    );
  };
  for (const ca of ['ca', 'other-ca'])
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
    );
  const clientPem = client('ca', 'phone');
  const strangerPem = client('other-ca', 'stranger');
  const siblingPem = client('ca', 'sibling');
  writeFileSync(join(dir, 'README'), 'test material, deleted after the run\n');
  return { dir, caFile: join(dir, 'ca.crt'), clientPem, strangerPem, siblingPem };
}

export const waitFor = async <T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
