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
import { ContactMeService } from '../../../apps/gateway/src/workpoint/contact-me.service';
import { WorkpointRuntime } from '../../../apps/gateway/src/workpoint/workpoint.module';
import {
  WORKPOINT_JOB_SOURCE,
  type WorkpointJobSource,
} from '../../../apps/gateway/src/workpoint/workpoint-job-source';
import { CORE } from '../../../apps/gateway/src/orchestration/orchestration.tokens';
import { normaliseMac, type Core, type Job } from '@dm-bridge/core';
import type {
  JobOutcome,
  WorkpointEvent,
  WorkpointItem,
  WorkpointOperation,
} from '@dm-bridge/workpoint';
import { randomBytes } from 'node:crypto';
import { createTestRedis, testRedisEnv, type TestRedis } from '../../support/redis';

/**
 * The suites' view of the production job source (core): jobs are core jobs of the phone's core
 * device made of `raw` Workpoint operations, named by the test (`w1`) and found again by that
 * name; what the engine hands to the source (outcomes, events) is recorded as it passes, so the
 * suites can assert the engine's exact outcome as well as the core job it lands on.
 */
export interface WorkpointJobs {
  /** Creates a core job (its wake-up is core's: a contact-me to the phone). Returns its core id. */
  enqueue(
    mac: string,
    job: { id: string; operations: WorkpointOperation[] },
    opts?: { deadlineSeconds?: number },
  ): Promise<string>;
  /** Desired item values of the phone's core device (raw `workpoint:` parameters). */
  setDesired(mac: string, items: WorkpointItem[]): Promise<void>;
  /** Engine outcomes handed to core so far (job ids are the tests' names). */
  outcomes(mac: string): Promise<JobOutcome[]>;
  hasPending(mac: string): Promise<boolean>;
  /** Every engine event handed to core, oldest first. */
  events(): Promise<WorkpointEvent[]>;
  /** Faults recorded on the phone's core jobs. */
  faults(mac: string): Promise<{ at: number; code: string; message: string }[]>;
  /** The core job created under a test's name. */
  job(name: string): Promise<Job>;
}

/** The core device id plug & play gives a phone. */
export const deviceIdOf = (mac: string) => `wp-${normaliseMac(mac).replace(/:/g, '')}`;

export interface WorkpointGateway {
  gw: RunningGateway;
  core: Core;
  source: WorkpointJobs;
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
      DMB_MASTER_KEY: randomBytes(32).toString('hex'),
      DMB_ADMIN_API_KEY: `dmb_test_admin_${randomBytes(8).toString('hex')}`,
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
  const core = gw.app.get<Core>(CORE);
  return {
    gw,
    core,
    source: recordJobs(core, gw.app.get<WorkpointJobSource>(WORKPOINT_JOB_SOURCE)),
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

/** Wraps the real source instance's hand-over points (`complete`, `event`) to record them. */
function recordJobs(core: Core, source: WorkpointJobSource): WorkpointJobs {
  const names = new Map<string, string>(); // core id → test name
  const ids = new Map<string, string>(); // test name → core id
  const outcomes: { mac: string; outcome: JobOutcome }[] = [];
  const events: WorkpointEvent[] = [];
  const complete = source.complete.bind(source);
  const event = source.event.bind(source);
  source.complete = async (mac, outcome) => {
    // recorded once core has it: a test that saw the outcome finds the core job ended
    await complete(mac, outcome);
    outcomes.push({ mac: normaliseMac(mac), outcome });
  };
  source.event = async (e) => {
    events.push(structuredClone(e));
    return event(e);
  };
  const ensureDevice = async (mac: string) => {
    const id = deviceIdOf(mac);
    if (!(await core.devices.find(id)))
      await core.devices.create({
        id,
        protocol: 'workpoint',
        addressing: { mac: normaliseMac(mac) } as never,
        profile: 'openstage',
      });
    return id;
  };
  const named = (o: JobOutcome): JobOutcome => ({ ...o, jobId: names.get(o.jobId) ?? o.jobId });
  return {
    async enqueue(mac, job, opts = {}) {
      const deviceId = await ensureDevice(mac);
      const { job: created } = await core.jobs.create({
        deviceId,
        operations: job.operations.map((operation) => ({
          op: 'raw',
          args: { operation },
        })) as never,
        deadlineSeconds: opts.deadlineSeconds,
      });
      names.set(created.id, job.id);
      ids.set(job.id, created.id);
      return created.id;
    },
    async setDesired(mac, items) {
      const id = await ensureDevice(mac);
      const desired = Object.fromEntries(
        items.map((i) => [
          `workpoint:${i.index === undefined ? i.name : `${i.name}[${i.index}]`}`,
          i.value,
        ]),
      );
      await core.devices.update(id, { desired } as never);
    },
    async outcomes(mac) {
      return outcomes.filter((o) => o.mac === normaliseMac(mac)).map((o) => named(o.outcome));
    },
    hasPending: (mac) => source.hasPending(mac),
    async events() {
      return events;
    },
    async faults(mac) {
      const jobs = await core.jobs.pendingJobs(deviceIdOf(mac));
      const done = [...ids.values()];
      const all = [...jobs, ...(await Promise.all(done.map((id) => core.jobs.find(id))))];
      const seen = new Set<string>();
      return all
        .filter((j): j is Job => !!j && j.deviceId === deviceIdOf(mac) && !seen.has(j.id))
        .flatMap((j) => (seen.add(j.id), j.faults));
    },
    async job(name) {
      const id = ids.get(name);
      if (!id) throw new Error(`no job named ${name}`);
      return core.jobs.get(id);
    },
  };
}

/** Creates the job and returns the solicited interaction that its wake-up (contact-me) starts. */
export async function serveJob(
  g: WorkpointGateway,
  phone: OpenStagePhone,
  job: { id: string; operations: WorkpointOperation[] },
  timeoutMs = 10_000,
) {
  const next = phone.nextInteraction((l) => l.reason === 'solicited', timeoutMs);
  await g.source.enqueue(phone.options.mac, job);
  return next;
}
