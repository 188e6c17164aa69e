/**
 * `npm run demo`: the whole product in one command. A private Redis, the gateway and the fleet
 * simulator (SMSC, OpenStage phones, OMA DM and OMA CP handsets, a few of each misbehaving) as
 * separate processes; the fleet imported and provisioned through the REST API by one campaign per
 * protocol; a summary; exit 0 only when every device ended as its behaviour says it must.
 *   --keep   leave everything running (Ctrl-C stops it)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiClient,
  GatewayProcess,
  RedisAofProcess,
  SimulatorProcess,
  freePort,
  newDeployment,
  repoRoot,
} from '../../../test/support/processes';
import {
  DEMO_BUSY_MS,
  DEMO_SLOW_MS,
  DM_ADDR_NODE,
  MISBEHAVING,
  SMSC_ACCOUNT,
  VALUES,
  busyShare,
  campaigns,
  deviceRecords,
  planDemoFleet,
  simulatorFleet,
  type DemoDevice,
  type Protocol,
} from './demo-fleet';
import { portOr } from './ports';
import { ProgressView, type ProtocolProgress } from './progress';
import { compare, compareApplied, summarise, TERMINAL, type JobView } from './report';
import { BIND_PARAMS, CAMPAIGN, DEMO_GATEWAY_ENV } from './settings';

const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  redis?: RedisAofProcess;
  gateway?: GatewayProcess;
  simulator?: SimulatorProcess;
}

async function stopAll(r: Running): Promise<void> {
  await r.simulator?.stop('SIGTERM').catch(() => undefined);
  await r.gateway?.stop('SIGTERM', 8000).catch(() => undefined);
  await r.redis?.destroy().catch(() => undefined);
  if (r.gateway) rmSync(r.gateway.varDir, { recursive: true, force: true });
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function listJobs(api: ApiClient, campaignId: string): Promise<JobView[]> {
  const out: JobView[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.ok(
      'GET',
      `/v1/jobs?campaignId=${campaignId}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...(page.items as JobView[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

function describeFleet(fleet: DemoDevice[]): void {
  for (const p of ['workpoint', 'omadm', 'omacp'] as Protocol[]) {
    const n = fleet.filter((d) => d.protocol === p).length;
    const odd = MISBEHAVING[p].map(([b, k]) => `${k} ${b}`).join(', ');
    say(`  ${p.padEnd(9)} ${n} devices; misbehaving: ${odd}`);
  }
  say(
    `  busy = in a call for ${DEMO_BUSY_MS / 1000} s when the campaign starts; slow = ${DEMO_SLOW_MS} ms per message`,
  );
}

async function main(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const unknown = argv.filter((a) => a !== '--keep');
  if (unknown.length) {
    process.stderr.write(`demo: unknown argument ${unknown[0]} (only --keep)\n`);
    return 2;
  }
  const started = Date.now();
  const logDir = join(repoRoot(), 'var', 'demo', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(logDir, { recursive: true });
  const running: Running = {};
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say('\ndemo: stopping every process it started …');
    void stopAll(running).finally(() => process.exit(keep ? 0 : 130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const fleet = planDemoFleet();
    say('dm-bridge demo: gateway + simulated fleet, provisioned through the REST API');
    describeFleet(fleet);
    say(`  logs: ${logDir}`);

    if (spawnSync('redis-server', ['--version']).error)
      throw new Error('redis-server is not on PATH (Debian/Ubuntu: apt-get install redis-server)');
    running.redis = await new RedisAofProcess(logDir).start();
    say(`redis       private redis-server with AOF on ${running.redis.url}`);

    const deployment = {
      ...newDeployment(running.redis.url, 'dmb:'),
      adminKey: `dmb_demo_${randomBytes(16).toString('hex')}`,
    };
    const gateway = new GatewayProcess({
      name: 'gateway',
      deployment,
      logDir,
      env: {}, // SMPP_BINDS below, once the SMSC's port is known
    });
    gateway.apiPort = await portOr(8080);
    gateway.devicePort = await portOr(8081);
    gateway.workpointPort = await portOr(18443);
    const smscPort = await freePort();
    deployment.publicBaseUrl = `http://127.0.0.1:${gateway.devicePort}`;
    const dmServerUrl = `${deployment.publicBaseUrl}/dm`;

    running.simulator = new SimulatorProcess({
      logDir,
      env: { SIM_SMSC_PORT: '0', SIM_SMSC_HOST: '127.0.0.1' },
      fleet: simulatorFleet(fleet, {
        smscPort,
        dmServerUrl,
        workpointUrl: `https://127.0.0.1:${gateway.workpointPort}/DeploymentService/LoginService`,
      }),
    });
    await running.simulator.start();
    say(
      `simulator   SMSC smpp://127.0.0.1:${smscPort}, phones and handsets up (control ${running.simulator.controlUrl})`,
    );

    const bind = `smpp://${SMSC_ACCOUNT.id}:${SMSC_ACCOUNT.password}@127.0.0.1:${smscPort}?${BIND_PARAMS}`;
    gateway.options.env = { ...DEMO_GATEWAY_ENV, SMPP_BINDS: bind };
    say('gateway     settings chosen for a short run:');
    for (const [k, v] of Object.entries(DEMO_GATEWAY_ENV)) say(`              ${k}=${v}`);
    say(
      `              SMPP_BINDS=smpp://${SMSC_ACCOUNT.id}:****@127.0.0.1:${smscPort}?${BIND_PARAMS}`,
    );
    running.gateway = gateway;
    await gateway.start({ ready: true, timeoutMs: 60_000 });
    say(`gateway     up (pid ${gateway.pid}); /readyz says Redis and the SMSC bind are usable`);
    const api = gateway.api;

    const imported = await api.ok('POST', '/v1/devices/import', deviceRecords(fleet));
    if (imported.failed) throw new Error(`device import: ${JSON.stringify(imported.errors)}`);
    say(
      `import      ${imported.created} OMA DM and OMA CP devices through POST /v1/devices/import`,
    );
    const phones = fleet.filter((d) => d.protocol === 'workpoint');
    const up = await running.simulator.control<{ ok: number; failed: number }>('/wp/start-up', {});
    await until('phones registered', 60_000, async () => {
      const page = await api.ok('GET', '/v1/devices?protocol=workpoint&limit=1000');
      return page.items.length >= phones.length;
    });
    say(`register    ${up.ok} OpenStage phones sent start-up and registered themselves`);

    const busy = await running.simulator.control<{ busy: number }>('/wp/busy', {
      ms: DEMO_BUSY_MS,
      share: busyShare(fleet),
    });
    say(`busy        ${busy.busy} phones are now in a call`);
    const ids: Record<string, string> = {};
    for (const c of campaigns(fleet, dmServerUrl)) {
      const created = await api.ok('POST', '/v1/campaigns', {
        name: `demo ${c.protocol}`,
        selection: { deviceIds: c.deviceIds },
        operations: c.operations,
        ...CAMPAIGN,
      });
      ids[c.protocol] = created.id;
      say(`campaign    ${created.id} ${c.protocol}: ${JSON.stringify(c.operations)}`);
    }
    say(
      `            ${CAMPAIGN.ratePerSecond} devices/s, deadline ${CAMPAIGN.deadlineSeconds} s (silent devices expire then)`,
    );
    say();

    const view = new ProgressView();
    const total = fleet.length;
    let finished = false;
    const end = Date.now() + (CAMPAIGN.deadlineSeconds + 60) * 1000;
    let all: JobView[] = [];
    while (!finished) {
      const progress: ProtocolProgress[] = [];
      all = [];
      for (const [protocol, id] of Object.entries(ids)) {
        const jobs = await listJobs(api, id);
        all.push(...jobs);
        const byState: Record<string, number> = {};
        for (const j of jobs) byState[j.state] = (byState[j.state] ?? 0) + 1;
        const c = await api.ok('GET', `/v1/campaigns/${id}`);
        progress.push({
          protocol,
          jobs: Math.max(c.progress?.jobs ?? 0, jobs.length),
          done: jobs.filter((j) => TERMINAL.includes(j.state)).length,
          byState,
        });
      }
      finished = all.length >= total && all.every((j) => TERMINAL.includes(j.state));
      view.show(progress, finished);
      if (!finished && Date.now() > end) {
        view.show(progress, true);
        throw new Error('the campaigns did not finish in time');
      }
      if (!finished) await sleep(500);
    }

    say();
    say('summary (time to done: creation to the device’s last answer; expiries excluded)');
    for (const p of ['workpoint', 'omadm', 'omacp'] as Protocol[]) {
      const s = summarise(
        p,
        all.filter((j) => j.protocol === p),
      );
      const states = Object.entries(s.byState)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const t = (v: number) => (Number.isNaN(v) ? '-' : `${(v / 1000).toFixed(2)} s`);
      say(`  ${p.padEnd(9)} ${states}; p50 ${t(s.p50)}, p95 ${t(s.p95)}`);
      for (const [r, n] of Object.entries(s.reasons)) say(`      ${String(n).padStart(3)} × ${r}`);
    }
    const counts = await running.simulator.control<{
      applied: Record<string, Record<string, Record<string, number>>>;
      stats: { rejected: { cpPushes: number } };
    }>('/counts');
    say(
      `  device side: ${counts.stats.rejected.cpPushes} CP pushes discarded by handsets (wrong PIN: the SMSC delivered them, CP has no answer channel)`,
    );

    const mismatches = [
      ...compare(fleet, all),
      ...compareApplied(fleet, counts.applied, {
        workpoint: ['registrar-addr', VALUES.registrar],
        omadm: [DM_ADDR_NODE, dmServerUrl],
        omacp: ['document', VALUES.apn],
      }),
    ];
    const wrongPin = fleet.filter((d) => d.behaviour === 'wrong-pin').length;
    // at least one discard per wrong-PIN handset (a push resent after a reconnect is discarded again)
    if (counts.stats.rejected.cpPushes < wrongPin)
      mismatches.push(
        `CP pushes discarded: expected ${wrongPin}, got ${counts.stats.rejected.cpPushes}`,
      );

    say();
    say('look around');
    say(`  API       ${gateway.apiUrl}/v1   (Authorization: Bearer <admin key>)`);
    say(`  API docs  ${gateway.apiUrl}/docs`);
    const consoleOk = await fetch(`${gateway.apiUrl}/console`).then(
      (r) => r.status === 200,
      () => false,
    );
    say(`  console   ${gateway.apiUrl}/console${consoleOk ? '' : '   (not in this build yet)'}`);
    say(`  metrics   ${gateway.apiUrl}/metrics`);
    say();
    if (mismatches.length) {
      say(`FAILED: ${mismatches.length} device(s) did not end as their behaviour says:`);
      for (const m of mismatches.slice(0, 40)) say(`  ${m}`);
    } else
      say(
        `OK: all ${total} devices ended as their behaviour says (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );

    if (keep) {
      say();
      say('--keep: everything stays up; Ctrl-C stops it.');
      say(`  export DMB_API_URL=${gateway.apiUrl} DMB_API_KEY=${deployment.adminKey}`);
      say('  npx dm-bridge jobs create dm-010 get:firmware.version --wait 30');
      await new Promise(() => undefined);
    }
    return mismatches.length ? 1 : 0;
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n  logs: ${logDir}\n`);
    return 1;
  } finally {
    if (!keep || stopping) {
      stopping = true;
      await stopAll(running);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo: ${err.message}\n`);
    process.exit(1);
  },
);
