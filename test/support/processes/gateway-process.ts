import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../redis-processes';
import { freeListenPort } from './ports';
import { ApiClient } from './api-client';
import { baseEnv, ExitInfo, LoggedChild } from './child';
import { built } from './paths';

export type GatewayRole = 'all' | 'api' | 'worker';

/** What every gateway of one deployment shares: Redis, prefix, master key, admin key. */
export interface Deployment {
  redisUrl: string;
  prefix: string;
  masterKey: string;
  adminKey: string;
  /** PUBLIC_BASE_URL (the device balancer), so RespURI and CP addresses point at it */
  publicBaseUrl?: string;
}

export function newDeployment(redisUrl: string, prefix = 'dmb:'): Deployment {
  return {
    redisUrl,
    prefix,
    masterKey: randomBytes(32).toString('hex'),
    adminKey: `dmb_resil_${randomBytes(12).toString('hex')}`,
  };
}

export interface GatewayProcessOptions {
  name: string;
  role?: GatewayRole;
  deployment: Deployment;
  /** further settings (short timers for tests); explicit, never inherited */
  env?: Record<string, string>;
  logDir: string;
}

/**
 * The built gateway (`dist/apps/gateway/src/main.js`) as an OS process. Its ports are picked once
 * and kept across restarts, so devices and balancers find it again; its JSON log goes to
 * `<logDir>/<name>.log`.
 */
export class GatewayProcess {
  apiPort = 0;
  devicePort = 0;
  workpointPort = 0;
  readonly varDir: string;
  private proc?: LoggedChild;
  /** when the current process printed its start line */
  startedAt = 0;

  constructor(readonly options: GatewayProcessOptions) {
    this.varDir = mkdtempSync(join(tmpdir(), `dmb-resil-${options.name}-`));
  }

  get role(): GatewayRole {
    return this.options.role ?? 'all';
  }

  get logFile(): string {
    return join(this.options.logDir, `${this.options.name}.log`);
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get api(): ApiClient {
    return new ApiClient(this.apiUrl, this.options.deployment.adminKey);
  }

  get running(): boolean {
    return !!this.proc?.running;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  env(): Record<string, string> {
    const d = this.options.deployment;
    return {
      ...baseEnv(),
      HOST: '127.0.0.1',
      GATEWAY_ROLE: this.role,
      API_PORT: String(this.apiPort),
      DEVICE_HTTP_PORT: String(this.devicePort),
      WORKPOINT_PORT: String(this.workpointPort),
      WORKPOINT_SECURE_PORT: '0',
      REDIS_URL: d.redisUrl,
      REDIS_PREFIX: d.prefix,
      VAR_DIR: this.varDir,
      DMB_MASTER_KEY: d.masterKey,
      DMB_ADMIN_API_KEY: d.adminKey,
      LOG_LEVEL: 'info',
      ...(d.publicBaseUrl ? { PUBLIC_BASE_URL: d.publicBaseUrl } : {}),
      ...(this.options.env ?? {}),
    };
  }

  /**
   * Starts the process and waits for its start line, then (roles with an API) for /healthz and,
   * unless `ready` is false, /readyz (Redis and every SMPP bind usable).
   */
  async start(opts: { ready?: boolean; timeoutMs?: number } = {}): Promise<this> {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    if (!this.apiPort) {
      this.apiPort = await freeListenPort();
      this.devicePort = await freeListenPort();
      this.workpointPort = await freeListenPort();
    }
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const proc = new LoggedChild(
      process.execPath,
      [built('apps/gateway/src/main.js')],
      this.env(),
      this.logFile,
      this.options.name,
    );
    this.proc = proc;
    await proc.waitForLine(
      (l) => l.includes('"dm-bridge gateway started"'),
      `${this.options.name} start`,
      timeoutMs,
    );
    this.startedAt = Date.now();
    if (this.role !== 'worker') {
      await waitFor(
        async () => (await fetch(`${this.apiUrl}/healthz`)).status === 200,
        `${this.options.name} /healthz`,
        timeoutMs,
      );
      if (opts.ready !== false)
        await waitFor(
          async () => (await fetch(`${this.apiUrl}/readyz`)).status === 200,
          `${this.options.name} /readyz`,
          timeoutMs,
        );
    }
    return this;
  }

  /** Sends the signal and waits for the exit (SIGKILL after `killAfterMs` for other signals). */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    killAfterMs = 30_000,
  ): Promise<ExitInfo | undefined> {
    return this.proc?.stop(signal, killAfterMs);
  }

  /** The running process's exit, e.g. to time a SIGTERM. */
  exited(): Promise<ExitInfo> | undefined {
    return this.proc?.exited;
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL', opts: { ready?: boolean } = {}): Promise<void> {
    await this.stop(signal);
    await this.start(opts);
  }
}
