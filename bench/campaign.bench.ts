/**
 * Campaign benchmark: 100,000 OMA DM handsets imported through the REST API, a campaign over all
 * of them fanned out into jobs, Redis bytes per device / per job / per phone inventory, and
 * GET /v1/jobs/:id throughput. The gateway runs as its own process (as in production); this
 * process is the client. Prints one JSON object per line.
 *
 *   npm run bench:campaign            (BENCH_DEVICES=20000 for a shorter run)
 *   npm run bench:campaign:cluster    (BENCH_REDIS_CLUSTER_NODES, default the local 3-master cluster)
 *
 * Cluster mode (BENCH_REDIS_CLUSTER_NODES=host:port,…): the gateway gets REDIS_CLUSTER_NODES, the
 * prefix is hash-tagged (`{bench:<pid>}:`, core's shards `{bench:<pid>:<n>}:`), cases end in
 * `_cluster`, memory is summed over every master, and two more lines say how many masters there
 * are and the largest share of the bench's key memory on one of them after the fan-out.
 */
import { startBenchGateway } from './bench-gateway';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { RedisDeviceRepository, RedisShards } from '@dm-bridge/core';

const N = Number(process.env.BENCH_DEVICES ?? 100000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLUSTER_NODES = process.env.BENCH_REDIS_CLUSTER_NODES || undefined;
const TAG = `bench:${process.pid}`;
/** On a cluster hash-tagged as the gateway does it (`{bench:<pid>}:`), so its keys share a slot. */
const PREFIX = CLUSTER_NODES ? `{${TAG}}:` : `${TAG}:`;
/** Core's shard count, as the gateway picks it (REDIS_SHARDS, else 16 on a cluster, 1 otherwise). */
const SHARDS = CLUSTER_NODES ? Number(process.env.REDIS_SHARDS || 16) : 1;
const CASE_SUFFIX = CLUSTER_NODES ? '_cluster' : '';
const KEY = `dmb_bench_${randomBytes(12).toString('hex')}`;

function emit(c: string, metric: string, value: number, unit: string): void {
  process.stdout.write(
    JSON.stringify({
      bench: 'campaign',
      case: c + CASE_SUFFIX,
      metric,
      value: Math.round(value * 1000) / 1000,
      unit,
    }) + '\n',
  );
}

function clusterNodes(list: string): { host: string; port: number }[] {
  return list.split(',').map((hp) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hp.trim());
    if (!m) throw new Error(`BENCH_REDIS_CLUSTER_NODES: expected host:port, got "${hp}"`);
    return { host: m[1], port: Number(m[2]) };
  });
}

/** The gateway's Redis settings: cluster nodes only (no REDIS_URL), or the single Redis URL. */
function redisEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!CLUSTER_NODES) return { ...env, REDIS_URL };
  delete env.REDIS_URL;
  delete env.REDIS_SENTINELS;
  delete env.REDIS_SENTINEL_NAME;
  return { ...env, REDIS_CLUSTER_NODES: CLUSTER_NODES };
}

/**
 * MATCH patterns for the bench's keys whose part after the (shard) prefix matches `rest`. On a
 * cluster deployment-wide keys sit under `{bench:<pid>}:` and core's shards under
 * `{bench:<pid>:<n>}:` (see RedisShards), so both are covered.
 */
function patterns(rest: string): string[] {
  if (!CLUSTER_NODES) return [`${PREFIX}${rest}`];
  return rest === '*' ? [`{${TAG}}:*`, `{${TAG}:*`] : [`{${TAG}}:${rest}`, `{${TAG}:*}:${rest}`];
}

/** The nodes to SCAN: every master of a cluster, or the single Redis. */
async function masters(redis: Redis | Cluster): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  // a fresh Cluster knows its masters only once it has read the slot map
  if (redis.status !== 'ready') await new Promise((ready) => redis.once('ready', ready));
  return redis.nodes('master');
}

function nodeName(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** Calls `batch` with each SCAN page of keys matching any of `patterns` on one node. */
async function scanNode(
  node: Redis,
  patterns: string[],
  count: number,
  batch: (keys: string[]) => Promise<void>,
): Promise<void> {
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length) await batch(keys);
    } while (cursor !== '0');
  }
}

function startGateway(varDir: string): Promise<{ child: ChildProcess; api: string }> {
  return startBenchGateway({
    baseEnv: redisEnv(),
    prefix: PREFIX,
    varDir,
    adminKey: KEY,
    importRows: N,
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

interface NodeMemory {
  node: string;
  bytes: number;
  keys: number;
  /** device records (`core:d:`) and job hashes (`core:j:`) among the keys */
  devices: number;
  jobs: number;
}

/** MEMORY USAGE (exact: SAMPLES 0) of the bench's keys matching `rest`, per master. */
async function memoryByNode(redis: Redis | Cluster, rest: string): Promise<NodeMemory[]> {
  return Promise.all(
    (await masters(redis)).map(async (node) => {
      const m: NodeMemory = { node: nodeName(node), bytes: 0, keys: 0, devices: 0, jobs: 0 };
      await scanNode(node, patterns(rest), 2000, async (keys) => {
        const pipe = node.pipeline();
        for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0);
        for (const [, v] of (await pipe.exec()) ?? []) m.bytes += Number(v ?? 0);
        m.keys += keys.length;
        for (const k of keys)
          if (k.includes(':core:d:')) m.devices++;
          else if (k.includes(':core:j:')) m.jobs++;
      });
      return m;
    }),
  );
}

/** Sum of MEMORY USAGE over the bench's keys matching `rest`, on every master. */
async function memoryOf(redis: Redis | Cluster, rest: string): Promise<number> {
  return (await memoryByNode(redis, rest)).reduce((sum, m) => sum + m.bytes, 0);
}

/** Bytes per device by key family, on stderr (BENCH_BREAKDOWN=1), to see where memory goes. */
async function breakdown(redis: Redis | Cluster, n: number): Promise<void> {
  const groups: Record<string, number> = {};
  for (const node of await masters(redis))
    await scanNode(node, patterns('*'), 2000, async (keys) => {
      const pipe = node.pipeline();
      for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0);
      const sizes = (await pipe.exec()) ?? [];
      keys.forEach((k, i) => {
        const family = (CLUSTER_NODES ? k.replace(/^\{[^}]*\}:?/, '') : k.slice(PREFIX.length))
          .replace(/:[A-Za-z0-9-]{12,}(:|$)/, ':*$1')
          .replace(/:hs-\d+$/, ':*')
          .replace(/:\d+$/, ':*');
        groups[family] = (groups[family] ?? 0) + Number(sizes[i][1] ?? 0);
      });
    });
  for (const [g, v] of Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20))
    process.stderr.write(`${g}\t${(v / n).toFixed(1)}\n`);
}

async function dropPrefix(redis: Redis | Cluster): Promise<void> {
  const cluster = redis instanceof Cluster;
  for (const node of await masters(redis))
    await scanNode(node, patterns('*'), 5000, async (keys) => {
      if (!cluster) {
        await node.unlink(...keys);
        return;
      }
      // keys of different slots cannot share one UNLINK on a cluster node (CROSSSLOT)
      const pipe = node.pipeline();
      for (const k of keys) pipe.unlink(k);
      await pipe.exec();
    });
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
  const redis: Redis | Cluster = CLUSTER_NODES
    ? new Cluster(clusterNodes(CLUSTER_NODES))
    : new Redis(REDIS_URL);
  const shards = new RedisShards(PREFIX, SHARDS);
  // the gateway's state on disk (master key, certificates): removed at the end
  const varDir = mkdtempSync(join(tmpdir(), 'dmb-bench-'));
  const { child, api: base } = await startGateway(varDir);
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
    // a Cluster serves the repository as a Redis does (as in the gateway)
    const repo = new RedisDeviceRepository(redis as Redis, shards);
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - i) }, (_, k) =>
          repo.mergeInventory(`hs-${String(i + k).padStart(6, '0')}`, devInfoAndParameters(i + k), {
            at: Date.now(),
            source: 'reported',
          }),
        ),
      );
    }
    const deviceBytes = await memoryOf(redis, 'core:*');
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
    await repo.mergeInventory('phone-inv', items, { at: Date.now(), source: 'reported' });
    emit(
      'workpoint_phone_300_items',
      'redis_bytes_per_phone_inventory',
      Number(
        await redis.memory(
          'USAGE',
          shards.ofDevice('phone-inv').inventory('phone-inv'),
          'SAMPLES',
          0,
        ),
      ),
      'bytes',
    );
    const beforeJobs = await memoryOf(redis, '*');

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
    const perNode = await memoryByNode(redis, '*');
    const afterJobs = perNode.reduce((sum, m) => sum + m.bytes, 0);
    if (process.env.BENCH_BREAKDOWN) await breakdown(redis, N);
    emit(`campaign_${N}`, 'redis_bytes_per_job', (afterJobs - beforeJobs) / N, 'bytes');
    if (CLUSTER_NODES) {
      for (const m of perNode)
        process.stderr.write(
          `${m.node}\tbytes=${m.bytes}\tshare=${(m.bytes / afterJobs).toFixed(3)}\tkeys=${m.keys}\tdevices=${m.devices}\tjobs=${m.jobs}\n`,
        );
      emit(
        `campaign_${N}`,
        'redis_max_master_share',
        Math.max(...perNode.map((m) => m.bytes)) / afterJobs,
        'ratio',
      );
      emit(`campaign_${N}`, 'redis_masters', perNode.length, 'count');
    }

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
    rmSync(varDir, { recursive: true, force: true });
    await dropPrefix(redis);
    await redis.quit();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:campaign failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
