import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiClient,
  Deployment,
  freeListenPort,
  GatewayProcess,
  GatewayRole,
  newDeployment,
  RedisAofProcess,
  SimulatorProcess,
  TcpBalancer,
} from '../support/processes';
import { redisCall } from '../support/redis-processes';
import { deviceRecords, FleetPlan, planFleet, simulatorFleet } from './fleet-plan';

/**
 * Gateway settings of the suite: production defaults except timers that would make a run slow
 * (back-off, stall detection, reconciler interval, lock TTL); every code path is the production
 * one (core job sources, SMS wake-ups, real sessions).
 */
export const FAST_TIMERS: Record<string, string> = {
  WAKE_BACKOFF_BASE_MS: '500',
  WAKE_BACKOFF_MAX_MS: '3000',
  WAKE_JITTER: '0.2',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_LOCK_MS: '2000',
  OUTBOX_INTERVAL_MS: '1000',
  OUTBOX_GRACE_MS: '2000',
  SESSION_LOCK_TTL_MS: '8000',
  SMPP_JOB_BACKOFF_MS: '200',
  SMPP_LEASE_TTL_MS: '2000',
  CP_RECEIPT_POLL_MS: '250',
  CP_RECEIPT_WINDOW_MS: '30000',
  DM_SESSION_TIMEOUT_MS: '10000',
  DM_SWEEP_INTERVAL_MS: '1000',
  WORKPOINT_CONTACT_GAP_MS: '0',
  WORKPOINT_CONTACT_BACKOFF_MS: '500',
  WORKPOINT_CONTACT_TIMEOUT_MS: '2000',
  WORKPOINT_SESSION_TTL_MS: '10000',
  SHUTDOWN_GRACE_MS: '5000',
  LOG_LEVEL: 'info',
};

export const SMSC_ACCOUNT = { id: 'dmb', password: 'smsc-resil-pw' };
export const TERMINAL = ['succeeded', 'partial', 'failed', 'expired', 'cancelled', 'unconfirmed'];

export interface RunOptions {
  name: string;
  devices: { dm?: number; cp?: number; wp?: number };
  /** one entry per gateway process (default one `all`) */
  roles?: GatewayRole[];
  env?: Record<string, string>;
  /** SMPP bind parameters after `?id=sim` */
  bindParams?: string;
  /** `fast` (default): FAST_TIMERS; `default`: the gateway's own defaults (the benchmark) */
  timers?: 'fast' | 'default';
}

export interface JobView {
  id: string;
  deviceId: string;
  protocol: string;
  state: string;
  createdAt: number | string;
  updatedAt: number | string;
  deadline: number | string;
  attempts: Array<{ kind: string; outcome: string; detail?: string }>;
  faults: Array<{ code: string; message: string }>;
  results: Array<{ status: string; code?: unknown }>;
  /** when the job's next step (wake-up, re-check, expiry) is due */
  nextStepAt?: number | string;
  campaignId?: string;
}

const ms = (t: number | string | undefined): number =>
  t === undefined ? NaN : typeof t === 'number' ? t : Date.parse(t);

/**
 * One resilience run: a private Redis with AOF, gateway processes behind TCP balancers (device
 * HTTP and Workpoint HTTPS), the simulator process with the fleet, and the campaigns.
 */
export class ResilienceRun {
  readonly logDir: string;
  readonly plan: FleetPlan;
  readonly value: string;
  redis!: RedisAofProcess;
  deployment!: Deployment;
  gateways: GatewayProcess[] = [];
  simulator!: SimulatorProcess;
  deviceLb!: TcpBalancer;
  workpointLb!: TcpBalancer;
  smscPort = 0;
  campaigns: Record<string, string> = {};

  constructor(readonly options: RunOptions) {
    this.logDir = mkdtempSync(join(tmpdir(), `dmb-resil-${options.name}-`));
    this.plan = planFleet(options.devices);
    this.value = `${options.name}-${randomBytes(3).toString('hex')}.example.net`;
  }

  /** The API of a gateway that is running (the first with an API). */
  get api(): ApiClient {
    const gw = this.gateways.find((g) => g.running && g.role !== 'worker');
    if (!gw) throw new Error('no gateway with an API is running');
    return gw.api;
  }

  async start(): Promise<void> {
    this.redis = await new RedisAofProcess(this.logDir).start();
    this.deviceLb = await new TcpBalancer([]).start();
    this.workpointLb = await new TcpBalancer([]).start();
    this.smscPort = await freeListenPort();
    this.deployment = {
      ...newDeployment(this.redis.url),
      publicBaseUrl: `http://${this.deviceLb.host}`,
    };
    const roles = this.options.roles ?? ['all'];
    const bind = `smpp://${SMSC_ACCOUNT.id}:${SMSC_ACCOUNT.password}@127.0.0.1:${this.smscPort}?id=sim${this.options.bindParams ?? '&rate=200'}`;
    this.gateways = roles.map(
      (role, i) =>
        new GatewayProcess({
          name: `gw${i + 1}-${role}`,
          role,
          deployment: this.deployment,
          logDir: this.logDir,
          env: {
            ...(this.options.timers === 'default' ? {} : FAST_TIMERS),
            SMPP_BINDS: bind,
            ...(this.options.env ?? {}),
          },
        }),
    );
    // the simulator (SMSC) first, so the binds come up at once
    this.simulator = new SimulatorProcess({
      logDir: this.logDir,
      env: { SIM_SMSC_PORT: '0', SIM_SMSC_HOST: '127.0.0.1' },
      fleet: simulatorFleet(
        this.plan,
        {
          smscPort: this.smscPort,
          dmServerUrl: `http://${this.deviceLb.host}/dm`,
          workpointUrl: `https://${this.workpointLb.host}/DeploymentService/LoginService`,
        },
        { [SMSC_ACCOUNT.id]: SMSC_ACCOUNT.password },
      ),
    });
    await this.simulator.start();
    for (const gw of this.gateways) {
      await gw.start({ ready: false });
      this.deviceLb.backends.push(gw.devicePort);
      this.workpointLb.backends.push(gw.workpointPort);
    }
    await this.devices();
  }

  /** Imports DM/CP devices; phones register themselves by starting up. */
  private async devices(): Promise<void> {
    const records = deviceRecords(this.plan);
    if (records.length) {
      const r = await this.api.ok('POST', '/v1/devices/import', records);
      if (r.failed) throw new Error(`device import: ${JSON.stringify(r.errors).slice(0, 500)}`);
    }
    if (this.plan.wp.length) {
      const up = await this.simulator.control<{ ok: number; failed: number }>('/wp/start-up', {});
      if (up.failed) throw new Error(`${up.failed} phones failed to start up`);
      await this.until(
        async () => {
          const page = await this.api.ok('GET', '/v1/devices?protocol=workpoint&limit=1000');
          return page.items.length >= this.plan.wp.length;
        },
        'phones registered',
        30_000,
      );
    }
  }

  /** One campaign per protocol in the fleet, each setting this run's value. */
  async startCampaigns(ratePerSecond = 100): Promise<void> {
    const byProtocol: Array<[string, string[], unknown]> = [
      [
        'omadm',
        this.plan.dm.map((d) => d.id),
        { op: 'set', path: 'omadm:./Vendor/dmbridge/sip/Registrar', value: this.value },
      ],
      [
        'omacp',
        this.plan.cp.map((d) => d.id),
        { op: 'set', path: 'network.apn', value: this.value },
      ],
      [
        'workpoint',
        this.plan.wp.map((d) => d.id),
        { op: 'set', path: 'sip.registrar', value: this.value },
      ],
    ];
    for (const [protocol, ids, op] of byProtocol) {
      if (!ids.length) continue;
      const c = await this.api.ok('POST', '/v1/campaigns', {
        name: `${this.options.name} ${protocol}`,
        selection: { deviceIds: ids },
        operations: [op],
        ratePerSecond,
        deadlineSeconds: 900,
      });
      this.campaigns[protocol] = c.id;
    }
  }

  get jobCount(): number {
    return this.plan.dm.length + this.plan.cp.length + this.plan.wp.length;
  }

  async until(
    check: () => Promise<boolean>,
    what: string,
    timeoutMs: number,
    stepMs = 100,
  ): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > end)
        throw new Error(`${this.options.name}: ${what} not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }

  /** Jobs of every campaign of the run (all pages). */
  async jobs(): Promise<JobView[]> {
    const out: JobView[] = [];
    for (const id of Object.values(this.campaigns)) {
      let cursor: string | undefined;
      do {
        const page = await this.api.ok(
          'GET',
          `/v1/jobs?campaignId=${id}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        out.push(...(page.items as JobView[]));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return out;
  }

  /** How many jobs of the run are in `state` now, and how many exist (all campaigns). */
  async countInState(state: string): Promise<{ inState: number; jobs: number }> {
    let inState = 0;
    let jobs = 0;
    for (const id of Object.values(this.campaigns)) {
      // campaign progress counts finished jobs only: the job list tells the live states
      const page = await this.api.ok('GET', `/v1/jobs?campaignId=${id}&state=${state}&limit=1000`);
      inState += page.items.length;
      const c = await this.api.ok('GET', `/v1/campaigns/${id}`);
      jobs += c.progress?.jobs ?? 0;
    }
    return { inState, jobs };
  }

  /**
   * Waits until at least `min` jobs are in `state` (the moment to inject a fault). `waking` lasts
   * milliseconds per job, so for it `orShare` of the jobs created (the fan-out under way) will do.
   */
  async whenInState(
    state: string,
    min: number,
    orShare = Infinity,
    timeoutMs = 60_000,
  ): Promise<number> {
    let seen = 0;
    await this.until(
      async () => {
        const n = await this.countInState(state);
        seen = n.inState;
        return seen >= min || n.jobs >= orShare * this.jobCount;
      },
      `${min} jobs ${state}`,
      timeoutMs,
      20,
    );
    return seen;
  }

  /** Waits until every job is terminal, or `timeoutMs`; returns the jobs as they stand. */
  async settle(timeoutMs: number): Promise<JobView[]> {
    let jobs: JobView[] = [];
    const end = Date.now() + timeoutMs;
    for (;;) {
      jobs = await this.jobs().catch(() => jobs);
      const fannedOut = jobs.length >= this.jobCount;
      if (fannedOut && jobs.every((j) => TERMINAL.includes(j.state))) return jobs;
      if (Date.now() > end) return jobs;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The gateway whose process holds the SMPP bind's lease (the token starts with its pid). */
  async bindOwner(): Promise<GatewayProcess | undefined> {
    const token = (await redisCall(
      this.redis.port,
      'GET',
      `${this.deployment.prefix}smpp:lease:sim`,
    )) as string | null;
    const pid = token ? Number(token.split(':')[0]) : NaN;
    return this.gateways.find((g) => g.running && g.pid === pid);
  }

  async close(keepLogs: boolean): Promise<void> {
    for (const gw of this.gateways) await gw.stop('SIGKILL').catch(() => undefined);
    await this.simulator?.stop('SIGKILL').catch(() => undefined);
    await this.deviceLb?.stop();
    await this.workpointLb?.stop();
    await this.redis?.destroy();
    for (const gw of this.gateways) rmSync(gw.varDir, { recursive: true, force: true });
    if (!keepLogs) rmSync(this.logDir, { recursive: true, force: true });
  }
}

export { ms };
