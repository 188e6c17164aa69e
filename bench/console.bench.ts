/**
 * Console benchmark: the fleet at 100,000 devices (60 % OMA DM handsets, 40 % Workpoint phones)
 * imported through the REST API, last contacts recorded as the engines do, then
 *   - GET /v1/devices latency (first page, page 1,000, a tag) and the fleet search (MSISDN, MAC,
 *     DevId, id, id prefix, lastContactBefore alone and with a protocol or a tag), sequential
 *     requests on one keep-alive connection, p50 and p95;
 *   - the last-contact index: bytes per device and the time to build it for data stored before it;
 *   - in headless Chromium (when installed): the console's fleet view, from the API's answer
 *     (Resource Timing responseEnd) to the first frame with the page's rows (performance marks).
 * The gateway runs as its own process; this process is the client. One JSON object per line.
 *
 *   npm run bench:console            (BENCH_DEVICES=20000 for a shorter run)
 */
import { startBenchGateway } from './bench-gateway';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisDeviceRepository, RedisShards } from '@dm-bridge/core';

const N = Number(process.env.BENCH_DEVICES ?? 100000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bench-console:${process.pid}:`;
const KEY = `dmb_bench_${randomBytes(12).toString('hex')}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOUR = 3_600_000;

function emit(c: string, metric: string, value: number, unit: string): void {
  process.stdout.write(
    JSON.stringify({
      bench: 'console',
      case: c,
      metric,
      value: Math.round(value * 1000) / 1000,
      unit,
    }) + '\n',
  );
}

/** A device index near `frac` of the fleet with `i % 5 === r` (0–2 handsets, 3–4 phones). */
const at = (frac: number, r: number) => Math.floor((N * frac) / 5) * 5 + r;

const id = (i: number) => (i % 5 < 3 ? 'hs-' : 'ph-') + String(i).padStart(6, '0');
const msisdn = (i: number) => `+4915${String(i).padStart(9, '0')}`;
const devId = (i: number) => `IMEI:35${String(i).padStart(13, '0')}`;
const mac = (i: number) =>
  `00:1a:e8:${[16, 8, 0].map((s) => ((i >> s) & 0xff).toString(16).padStart(2, '0')).join(':')}`;

function device(i: number): Record<string, unknown> {
  const common = { id: id(i), tags: ['bench', `site-${i % 20}`] };
  return i % 5 < 3
    ? {
        ...common,
        protocol: 'omadm',
        addressing: { msisdn: msisdn(i), devId: devId(i), authScheme: 'hmac' },
        credentials: { clientUsername: `hs${i}`, clientPassword: `pw-${i}` },
        model: 'X100',
      }
    : {
        ...common,
        protocol: 'workpoint',
        addressing: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, mac: mac(i) },
        model: 'OpenScape CP600',
      };
}

/** 1 % never in contact, 2 % ten days ago (handsets and phones alike), the rest within the hour. */
function lastContact(i: number, now: number): number | undefined {
  if (i % 200 === 0 || i % 200 === 4) return undefined;
  if (i % 100 === 1 || i % 100 === 3) return now - 240 * HOUR - i;
  return now - ((i * 7919) % HOUR);
}

function startGateway(): Promise<{ child: ChildProcess; api: string }> {
  return startBenchGateway({
    baseEnv: { ...process.env, REDIS_URL },
    prefix: PREFIX,
    varDir: mkdtempSync(join(tmpdir(), 'dmb-bench-')),
    adminKey: KEY,
    importRows: N,
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on the keep-alive connection: status, parsed body and wall time in ms. */
function get(base: string, path: string): Promise<{ status: number; body: any; ms: number }> {
  const u = new URL(base);
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        agent,
        headers: { authorization: `Bearer ${KEY}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
            ms: performance.now() - t,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** p50 and p95 of `runs` sequential requests (after 5 warm-up ones); checks every answer. */
async function latency(
  base: string,
  name: string,
  path: string,
  check: (body: any) => boolean,
  runs = 200,
): Promise<void> {
  const times: number[] = [];
  for (let r = -5; r < runs; r++) {
    const res = await get(base, path);
    if (res.status !== 200 || !check(res.body))
      throw new Error(
        `${name}: ${path} answered ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
      );
    if (r >= 0) times.push(res.ms);
  }
  emit(name, 'p50_ms', quantile(times, 0.5), 'ms');
  emit(name, 'p95_ms', quantile(times, 0.95), 'ms');
}

async function api(base: string, method: string, path: string, body: string): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The console's fleet view in headless Chromium: API answer → rows on screen, `runs` loads. */
async function consoleRender(base: string, runs: number): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench:console: no Chromium at ${CHROMIUM}, render cases skipped\n`);
    return;
  }
  // playwright-core is a dev dependency: loaded only here
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const render: number[] = [];
    const apiMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      // a fresh document each time (the key stays in sessionStorage)
      await page.goto(`${base}/console?run=${r}#/devices?limit=50`);
      await page.locator('table[aria-label="Devices"] tbody tr').nth(49).waitFor();
      const t = await page.waitForFunction(() => {
        const p = (globalThis as any).performance;
        const rendered = p.getEntriesByName('fleet-rendered')[0];
        const res = p
          .getEntriesByType('resource')
          .filter((e: any) => e.name.includes('/v1/devices?') && e.name.includes('limit=50'))
          .pop();
        return rendered && res
          ? {
              render: rendered.startTime - res.responseEnd,
              api: res.responseEnd - res.requestStart,
            }
          : undefined;
      });
      const v = (await t.jsonValue()) as { render: number; api: number };
      render.push(v.render);
      apiMs.push(v.api);
    }
    emit(`console_fleet_first_page_${N}`, 'render_after_api_p50_ms', quantile(render, 0.5), 'ms');
    emit(`console_fleet_first_page_${N}`, 'render_after_api_max_ms', Math.max(...render), 'ms');
    emit(`console_fleet_first_page_${N}`, 'api_in_browser_p50_ms', quantile(apiMs, 0.5), 'ms');
    // a search typed in the box, to its row on screen (includes the driver's round trips)
    const times: number[] = [];
    for (let r = 0; r < 10; r++) {
      const i = at(0.05 + r * 0.09, r % 5);
      const want = id(i);
      await page
        .getByLabel('Find by MSISDN, MAC, DevId or id')
        .fill(i % 5 < 3 ? msisdn(i) : mac(i));
      const t0 = performance.now();
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.locator(`tr[data-device="${want}"]`).waitFor();
      times.push(performance.now() - t0);
    }
    emit(`console_search_${N}`, 'click_to_row_p50_ms', quantile(times, 0.5), 'ms');
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const shards = new RedisShards(PREFIX, 1);
  const { child, api: base } = await startGateway();
  try {
    // 1. The fleet, one streamed JSON array.
    const rows: string[] = [];
    for (let i = 0; i < N; i++) rows.push(JSON.stringify(device(i)));
    let t = performance.now();
    const imported = await api(base, 'POST', '/v1/devices/import', `[${rows.join(',')}]`);
    if (imported.created !== N)
      throw new Error(
        `imported ${imported.created} of ${N}: ${JSON.stringify(imported.errors?.slice(0, 3))}`,
      );
    emit(`import_${N}`, 'import_s', (performance.now() - t) / 1000, 's');

    // 2. Last contacts, as the engines record them (one script per contact).
    const repo = new RedisDeviceRepository(redis, shards);
    const now = Date.now();
    t = performance.now();
    for (let i = 0; i < N; i += 1000)
      await Promise.all(
        Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
          const at = lastContact(i + k, now);
          return at === undefined ? undefined : repo.setLastContact(id(i + k), at);
        }),
      );
    emit(`last_contact_${N}`, 'record_contacts_per_s', N / ((performance.now() - t) / 1000), '1/s');
    const indexBytes = Number(
      await redis.memory('USAGE', shards.all()[0].lastContactIndex(), 'SAMPLES', 0),
    );
    emit(`last_contact_index_${N}`, 'redis_bytes_per_device', indexBytes / N, 'bytes');
    // the one-time build for data stored before the index existed
    await redis.del(shards.all()[0].lastContactIndex(), shards.all()[0].lastContactIndexReady());
    t = performance.now();
    const indexed = await repo.ensureLastContactIndex();
    if (indexed !== N) throw new Error(`indexed ${indexed} of ${N}`);
    emit(`last_contact_index_${N}`, 'build_s', (performance.now() - t) / 1000, 's');

    // 3. API latency at N devices.
    const stale = new Date(now - 24 * HOUR).toISOString();
    const page50 = (b: any) => b.items.length === 50;
    await latency(base, `list_first_page_${N}`, '/v1/devices?limit=50', page50);
    // page 1,000 (or the last full page of a smaller fleet), reached by following the cursors
    let cursor: string | undefined;
    let pageNo = 1;
    for (; pageNo < 1000 && pageNo * 50 < N - 50; pageNo++)
      cursor = (await get(base, `/v1/devices?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).body
        .nextCursor;
    await latency(
      base,
      `list_page_${pageNo}_${N}`,
      `/v1/devices?limit=50&cursor=${cursor}`,
      page50,
    );
    await latency(base, `list_tag_${N}`, '/v1/devices?limit=50&tag=site-7', page50);
    const one = (want: string) => (b: any) => b.items.length === 1 && b.items[0].id === want;
    await latency(
      base,
      `search_msisdn_${N}`,
      `/v1/devices?msisdn=${encodeURIComponent(msisdn(at(0.12, 0)))}`,
      one(id(at(0.12, 0))),
    );
    await latency(
      base,
      `search_mac_${N}`,
      `/v1/devices?mac=${mac(at(0.34, 3)).toUpperCase().replace(/:/g, '-')}`,
      one(id(at(0.34, 3))),
    );
    await latency(
      base,
      `search_devid_${N}`,
      `/v1/devices?devId=${devId(at(0.54, 1))}`,
      one(id(at(0.54, 1))),
    );
    await latency(
      base,
      `search_id_${N}`,
      `/v1/devices?id=${id(at(0.77, 2))}`,
      one(id(at(0.77, 2))),
    );
    await latency(
      base,
      `search_msisdn_miss_${N}`,
      `/v1/devices?msisdn=%2B4917000000000`,
      (b) => b.items.length === 0,
    );
    await latency(
      base,
      `search_id_prefix_${N}`,
      `/v1/devices?idPrefix=${id(at(0.5, 0)).slice(0, -2)}&limit=50`,
      (b) => b.items.length > 0,
    );
    await latency(
      base,
      `last_contact_before_${N}`,
      `/v1/devices?limit=50&lastContactBefore=${stale}`,
      page50,
    );
    await latency(
      base,
      `last_contact_before_workpoint_${N}`,
      `/v1/devices?limit=50&protocol=workpoint&lastContactBefore=${stale}`,
      page50,
    );
    // with a tag the tag's index is scanned and last contacts checked per page: a fifth of
    // site-1 is stale; site-6 has no stale device, the scan stops at its round limit (50)
    await latency(
      base,
      `last_contact_before_tag_${N}`,
      `/v1/devices?limit=50&tag=site-1&lastContactBefore=${stale}`,
      page50,
      50,
    );
    await latency(
      base,
      `last_contact_before_tag_none_${N}`,
      `/v1/devices?limit=50&tag=site-6&lastContactBefore=${stale}`,
      () => true,
      20,
    );

    // 4. The console in Chromium.
    await consoleRender(base, Number(process.env.BENCH_RENDER_RUNS ?? 10));
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    let c = '0';
    do {
      const [next, keys] = await redis.scan(c, 'MATCH', `${PREFIX}*`, 'COUNT', 5000);
      c = next;
      if (keys.length) await redis.unlink(...keys);
    } while (c !== '0');
    await redis.quit();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:console failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
