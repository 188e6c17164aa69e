/**
 * Campaign benchmark: 100,000 OMA DM handsets imported through the REST API, a campaign over all
 * of them fanned out into jobs, Redis bytes per device / per job / per phone inventory, and
 * GET /v1/jobs/:id throughput. The gateway runs as its own process (as in production); this
 * process is the client. Prints one JSON object per line.
 *
 *   npm run bench:campaign            (BENCH_DEVICES=20000 for a shorter run)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisDeviceRepository, RedisShards } from '@dm-bridge/core';

const N = Number(process.env.BENCH_DEVICES ?? 100000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bench:${process.pid}:`;
const KEY = `dmb_bench_${randomBytes(12).toString('hex')}`;

function emit(c: string, metric: string, value: number, unit: string): void {
  process.stdout.write(
    JSON.stringify({
      bench: 'campaign',
      case: c,
      metric,
      value: Math.round(value * 1000) / 1000,
      unit,
    }) + '\n',
  );
}

function startGateway(): Promise<{ child: ChildProcess; api: string }> {
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', 'apps', 'gateway', 'src', 'main.js')],
    {
      env: {
        ...process.env,
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL,
        REDIS_PREFIX: PREFIX,
        VAR_DIR: mkdtempSync(join(tmpdir(), 'dmb-bench-')),
        DMB_MASTER_KEY: randomBytes(32).toString('hex'),
        DMB_ADMIN_API_KEY: KEY,
        LOG_LEVEL: 'warn',
        IMPORT_MAX_ROWS: String(Math.max(N, 100000)),
        WORKPOINT_PORT: '0',
        WORKPOINT_SECURE_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"api":"(http:\/\/[^"]+)"/.exec(buf);
      if (m) resolve({ child, api: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
}

async function api(
  base: string,
  method: string,
  path: string,
  body?: string,
  type = 'application/json',
): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': type },
    body,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Sum of MEMORY USAGE over keys matching a pattern (exact: SAMPLES 0). */
async function memoryOf(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let total = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (!keys.length) continue;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0);
    for (const [, v] of (await pipe.exec()) ?? []) total += Number(v ?? 0);
  } while (cursor !== '0');
  return total;
}

/** Bytes per device by key family, on stderr (BENCH_BREAKDOWN=1), to see where memory goes. */
async function breakdown(redis: Redis, n: number): Promise<void> {
  const groups: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 2000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0);
    const sizes = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const family = k
        .slice(PREFIX.length)
        .replace(/:[A-Za-z0-9-]{12,}(:|$)/, ':*$1')
        .replace(/:hs-\d+$/, ':*')
        .replace(/:\d+$/, ':*');
      groups[family] = (groups[family] ?? 0) + Number(sizes[i][1] ?? 0);
    });
  } while (cursor !== '0');
  for (const [g, v] of Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20))
    process.stderr.write(`${g}\t${(v / n).toFixed(1)}\n`);
}

async function dropPrefix(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

function devInfoAndParameters(i: number): Record<string, string> {
  return {
    './DevInfo/DevId': `IMEI:35${String(i).padStart(13, '0')}`,
    './DevInfo/Man': 'Acme Mobile',
    './DevInfo/Mod': 'X100',
    './DevInfo/DmV': '1.2',
    './DevInfo/Lang': 'en-US',
    './DevDetail/FwV': '4.2.17',
    './DevDetail/SwV': '4.2.17-b1234',
    './DevDetail/HwV': 'rev C',
    './Vendor/SIP/Registrar': 'sip.example.net',
    './Vendor/SIP/RegistrarPort': '5060',
    './Vendor/SIP/User': `user${i}`,
    './Vendor/SIP/Realm': 'example.net',
    './Vendor/Network/APN': 'internet.example',
    './Vendor/Time/NtpServer': 'pool.ntp.org',
    './DMAcc/dmb/ServerID': 'dm-bridge',
  };
}

async function getJobThroughput(
  base: string,
  ids: string[],
  seconds: number,
  connections: number,
): Promise<number> {
  const u = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let count = 0;
  const end = Date.now() + seconds * 1000;
  const one = (id: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: `/v1/jobs/${id}`,
          agent,
          headers: { authorization: `Bearer ${KEY}` },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let i = c;
      while (Date.now() < end) {
        await one(ids[i++ % ids.length]);
        count++;
      }
    }),
  );
  agent.destroy();
  return count / ((Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const { child, api: base } = await startGateway();
  try {
    // 1. Import N handsets as one streamed JSON array.
    const rows: string[] = [];
    for (let i = 0; i < N; i++) {
      rows.push(
        JSON.stringify({
          id: `hs-${String(i).padStart(6, '0')}`,
          protocol: 'omadm',
          addressing: {
            msisdn: `+4915${String(i).padStart(9, '0')}`,
            devId: `IMEI:35${String(i).padStart(13, '0')}`,
            authScheme: 'hmac',
          },
          credentials: {
            clientUsername: `hs${i}`,
            clientPassword: `pw-${i}-client`,
            serverPassword: `pw-${i}-server`,
          },
          tags: ['bench', i % 2 ? 'odd' : 'even'],
          model: 'X100',
        }),
      );
    }
    const payload = `[${rows.join(',')}]`;
    let t = performance.now();
    const imported = await api(base, 'POST', '/v1/devices/import', payload);
    const importS = (performance.now() - t) / 1000;
    if (imported.created !== N)
      throw new Error(
        `imported ${imported.created} of ${N}: ${JSON.stringify(imported.errors?.slice(0, 3))}`,
      );
    emit(`import_${N}`, 'import_s', importS, 's');

    // 2. DevInfo and ten parameters per handset, written as the DM engine would after a session.
    const repo = new RedisDeviceRepository(redis, new RedisShards(PREFIX));
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - i) }, (_, k) =>
          repo.mergeInventory(`hs-${String(i + k).padStart(6, '0')}`, devInfoAndParameters(i + k)),
        ),
      );
    }
    const deviceBytes = await memoryOf(redis, `${PREFIX}core:*`);
    emit(`dm_handset_${N}`, 'redis_bytes_per_device', deviceBytes / N, 'bytes');

    // 3. A Workpoint phone's inventory (~300 items).
    await api(
      base,
      'POST',
      '/v1/devices',
      JSON.stringify({
        id: 'phone-inv',
        protocol: 'workpoint',
        addressing: { ip: '10.0.0.1', mac: '00:1a:e8:00:00:01' },
      }),
    );
    const items: Record<string, string> = {};
    for (let i = 0; i < 300; i++)
      items[
        i < 20
          ? `function-key-def[${i}]`
          : `item-${String(i).padStart(3, '0')}-${['reg-addr', 'sntp-addr', 'vlan-id', 'display-id'][i % 4]}`
      ] = i % 3 ? `value-${i}` : String(i * 7);
    await repo.mergeInventory('phone-inv', items);
    emit(
      'workpoint_phone_300_items',
      'redis_bytes_per_phone_inventory',
      Number(await redis.memory('USAGE', `${PREFIX}core:inv:phone-inv`, 'SAMPLES', 0)),
      'bytes',
    );
    const beforeJobs = await memoryOf(redis, `${PREFIX}*`);

    // 4. A campaign over every handset, fanned out into queued jobs with wake-ups scheduled.
    t = performance.now();
    const campaign = await api(
      base,
      'POST',
      '/v1/campaigns',
      JSON.stringify({
        selection: { protocol: 'omadm' },
        operations: [
          { op: 'get', path: 'firmware.version' },
          { op: 'set', path: 'sip.registrar', value: 'sip2.example.net' },
        ],
        ratePerSecond: 100,
      }),
    );
    let progress = campaign.progress;
    while (!progress.fanOutComplete) {
      await new Promise((r) => setTimeout(r, 100));
      progress = (await api(base, 'GET', `/v1/campaigns/${campaign.id}`)).progress;
    }
    const fanoutS = (performance.now() - t) / 1000;
    if (progress.jobs !== N) throw new Error(`fan-out created ${progress.jobs} jobs of ${N}`);
    emit(`campaign_${N}`, 'fanout_s', fanoutS, 's');
    await api(base, 'POST', `/v1/campaigns/${campaign.id}/pause`);
    const afterJobs = await memoryOf(redis, `${PREFIX}*`);
    if (process.env.BENCH_BREAKDOWN) await breakdown(redis, N);
    emit(`campaign_${N}`, 'redis_bytes_per_job', (afterJobs - beforeJobs) / N, 'bytes');

    // 5. GET /v1/jobs/:id throughput with 64 keep-alive connections.
    const page = await api(base, 'GET', `/v1/jobs?campaignId=${campaign.id}&limit=1000`);
    const ids = page.items.map((j: { id: string }) => j.id);
    await getJobThroughput(base, ids, 1, 64);
    emit(
      'get_job_64_connections',
      'api_get_job_per_s',
      await getJobThroughput(base, ids, 5, 64),
      'req/s',
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await dropPrefix(redis);
    await redis.quit();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:campaign failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
