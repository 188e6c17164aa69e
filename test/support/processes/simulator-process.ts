import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../redis-processes';
import { freeListenPort } from './ports';
import { baseEnv, ExitInfo, LoggedChild } from './child';
import { built } from './paths';

/**
 * The built simulator (`dist/apps/simulator/src/main.js`) as an OS process, with its control
 * channel (SIM_CONTROL_PORT): faults are injected and device-side counts read over HTTP while it
 * runs. `fleet` is written to a file and handed over as SIM_FLEET (see
 * apps/simulator/src/control/fleet-spec.ts); `env` adds any other SIM_* setting.
 */
export class SimulatorProcess {
  controlPort = 0;
  private proc?: LoggedChild;

  constructor(
    private readonly options: {
      name?: string;
      fleet?: unknown;
      env?: Record<string, string>;
      logDir: string;
    },
  ) {}

  get name(): string {
    return this.options.name ?? 'simulator';
  }

  get logFile(): string {
    return join(this.options.logDir, `${this.name}.log`);
  }

  get controlUrl(): string {
    return `http://127.0.0.1:${this.controlPort}`;
  }

  get running(): boolean {
    return !!this.proc?.running;
  }

  async start(timeoutMs = 30_000): Promise<this> {
    if (!this.controlPort) this.controlPort = await freeListenPort();
    const env: Record<string, string> = {
      ...baseEnv(),
      SIM_CONTROL_PORT: String(this.controlPort),
      ...(this.options.env ?? {}),
    };
    if (this.options.fleet !== undefined) {
      const file = join(this.options.logDir, `${this.name}-fleet.json`);
      writeFileSync(file, JSON.stringify(this.options.fleet));
      env.SIM_FLEET = file;
    }
    this.proc = new LoggedChild(
      process.execPath,
      [built('apps/simulator/src/main.js')],
      env,
      this.logFile,
      this.name,
    );
    const exited = this.proc.exited.then((e) => {
      throw new Error(`${this.name} exited (code ${e.code}); see ${this.logFile}`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      waitFor(
        async () => (await fetch(`${this.controlUrl}/health`)).status === 200,
        `${this.name} control channel`,
        timeoutMs,
      ),
      exited,
    ]);
    return this;
  }

  /** One control request: POST with a JSON body, or GET without one; non-2xx is an error. */
  async control<T = any>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.controlUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`simulator ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo | undefined> {
    return this.proc?.stop(signal, 10_000);
  }
}
