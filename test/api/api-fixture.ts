import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '@dm-bridge/core';
import { RunningGateway, startGateway } from '../../apps/gateway/src/bootstrap';
import { CORE } from '../../apps/gateway/src/orchestration/orchestration.tokens';
import {
  deleteKeysWithPrefix,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../support/redis';

export const ADMIN_KEY = `dmb_test_admin_${randomBytes(8).toString('hex')}`;

export interface ApiFixture {
  gw: RunningGateway;
  core: Core;
  prefix: string;
  env: Record<string, string>;
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The real gateway (API + workers) on ports 0, a unique Redis prefix and fast wake-up timings. */
/** Env for a gateway on ports 0, the test Redis under `prefix`, a fresh VAR_DIR and keys. */
export function gatewayTestEnv(prefix: string): Record<string, string> {
  return {
    API_PORT: '0',
    DEVICE_HTTP_PORT: '0',
    HOST: '127.0.0.1',
    ...testRedisEnv(),
    REDIS_PREFIX: prefix,
    VAR_DIR: mkdtempSync(join(tmpdir(), 'dmb-api-')),
    DMB_MASTER_KEY: randomBytes(32).toString('hex'),
    DMB_ADMIN_API_KEY: ADMIN_KEY,
  };
}

export async function startApi(
  extraEnv: Record<string, string> = {},
  prefix = uniquePrefix('api'),
): Promise<ApiFixture> {
  const env = {
    ...gatewayTestEnv(prefix),
    WAKE_BACKOFF_BASE_MS: '150',
    WAKE_BACKOFF_MAX_MS: '600',
    WAKE_JITTER: '0.1',
    WEBHOOK_BACKOFF_MS: '50',
    WORKER_STALLED_INTERVAL_MS: '500',
    WORKER_LOCK_MS: '1000',
    ...extraEnv,
  };
  const gw = await startGateway({ env, logger: false });
  const core = gw.app.get<Core>(CORE);
  const call: ApiFixture['call'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? ADMIN_KEY : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${gw.apiUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    gw,
    core,
    prefix,
    env,
    call,
    close: async () => {
      await gw.close();
    },
  };
}

export async function dropPrefix(prefix: string): Promise<void> {
  const r = testRedisClient();
  await deleteKeysWithPrefix(r, prefix);
  await r.quit();
}

export async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v)) {
    if (Date.now() > end)
      throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await fn();
  }
  return v;
}
