/**
 * The references `npm run bench` (bench/run-all.ts) measures beside the project's figures:
 * libwbxml's command-line tools on the WBXML corpus, Kannel's `sendota` end to end (when Kannel is
 * installed; otherwise it says so), and the raw Node HTTP / HTTPS ceiling under the client pattern
 * of bench:dm and bench:workpoint.
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { imsiToKey } from '@dm-bridge/wap-push';
import type { Reference } from './bench-report';
import { CP_XML, imsiOf, SmscChild } from './smpp-bench-support';

const loads = () => loadavg().map((x) => +x.toFixed(2));

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs `cmd args` again and again for `seconds`; one process per document. */
function cliRate(cmd: string, args: string[], seconds: number): { perS: number; runs: number } {
  const first = spawnSync(cmd, args, { stdio: 'pipe' });
  if (first.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: exit ${first.status} ${first.stderr}`);
  let runs = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    spawnSync(cmd, args, { stdio: 'ignore' });
    runs++;
  }
  return { perS: runs / ((performance.now() - t0) / 1000), runs };
}

/** libwbxml 0.11 through `xml2wbxml -n` / `wbxml2xml`, on each corpus document. */
export function libwbxmlReferences(corpus: string, seconds = 3): Reference[] {
  const refs: Reference[] = [];
  const enc = which('xml2wbxml');
  const dec = which('wbxml2xml');
  if (!enc || !dec) {
    return [
      {
        id: 'libwbxml-cli',
        label: 'libwbxml `xml2wbxml`/`wbxml2xml`',
        note: 'not installed here (Debian libwbxml2-utils)',
        compares: [
          { bench: 'wbxml', metric: 'encode_from_xml' },
          { bench: 'wbxml', metric: 'decode_to_xml' },
        ],
      },
    ];
  }
  const version = /libwbxml ([\d.]+)/.exec(spawnSync(enc, [], { encoding: 'utf8' }).stdout ?? '');
  const lib = `libwbxml ${version?.[1] ?? ''}`.trim();
  const dir = mkdtempSync(join(tmpdir(), 'dmb-bench-libwbxml-'));
  try {
    const loadBefore = loads();
    const spawnOnly = cliRate('true', [], seconds);
    refs.push({
      id: 'spawn-baseline',
      label: 'process spawn baseline (`true`)',
      value: Math.round(spawnOnly.perS),
      unit: 'processes/s',
      note: `spawnSync of an empty command, ${spawnOnly.runs} runs: the ceiling of any one-process-per-document measurement on this machine`,
      compares: [],
      loadBefore,
      loadAfter: loads(),
    });
    for (const file of readdirSync(corpus)
      .filter((f) => f.endsWith('.xml'))
      .sort()) {
      const xml = join(corpus, file);
      const wbxml = join(dir, file.replace(/\.xml$/, '.wbxml'));
      execFileSync(enc, ['-n', '-o', wbxml, xml], { stdio: 'pipe' });
      for (const [metric, cmd, args, what] of [
        [
          'encode_from_xml',
          enc,
          ['-n', '-o', join(dir, 'out.wbxml'), xml],
          '`xml2wbxml -n` (XML file → WBXML file, no string table, as ours)',
        ],
        [
          'decode_to_xml',
          dec,
          ['-o', join(dir, 'out.xml'), wbxml],
          '`wbxml2xml` (WBXML file → XML file)',
        ],
      ] as const) {
        const before = loads();
        const r = cliRate(cmd, [...args], seconds);
        refs.push({
          id: `libwbxml-${metric}-${file}`,
          label: `${lib} CLI`,
          value: Math.round(r.perS),
          unit: 'docs/s',
          note:
            `${what} on ${file}, one process per document (${r.runs} runs in ${seconds} s, wall clock): ` +
            'process start, dynamic linking and file I/O included, so it bounds the CLI, not the library',
          compares: [{ bench: 'wbxml', metric, case: file }],
          loadBefore: before,
          loadAfter: loads(),
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [metric, value, what] of [
    ['encode_from_xml', 16_000, 'encode'],
    ['decode_to_xml', 22_000, 'decode'],
  ] as const)
    refs.push({
      id: `libwbxml-quoted-${metric}`,
      label: 'libwbxml 0.11 library as quoted by issue 2 (not measured here)',
      value,
      unit: 'docs/s',
      note:
        `quoted: about ${value.toLocaleString('en-US')} ${what} docs/s with XML text at both ends on dm-server.xml ` +
        '(C, expat; docs/wbxml.md). There are no libwbxml headers here, so the library cannot be driven ' +
        'in-process without a new build dependency',
      compares: [{ bench: 'wbxml', metric, case: 'dm-server.xml' }],
    });
  return refs;
}

function kannelBinaries(): { bearerbox: string; smsbox: string; version?: string } | undefined {
  const find = (name: string) =>
    which(name) ?? (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : undefined);
  const bearerbox = find('bearerbox');
  const smsbox = find('smsbox');
  if (!bearerbox || !smsbox) return undefined;
  const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'kannel'], { encoding: 'utf8' });
  return { bearerbox, smsbox, version: pkg.status === 0 ? pkg.stdout : undefined };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const KANNEL_COMPARES: Reference['compares'] = [{ bench: 'smpp', metric: 'cp_push_e2e_per_s' }];

/**
 * Kannel's `sendota` (an smsbox HTTP endpoint, not a command) measured like bench:smpp's
 * `cp_push_e2e_per_s`: the same document to `pushes` simulated CP handsets through bearerbox,
 * over SMPP to the same simulator SMSC (its own process), until every handset verified the
 * NETWPIN MAC and stored the document. Kannel uses the `pin` argument as the HMAC key as it is,
 * so it is given the IMSI already in its semi-octet form (the spec's NETWPIN key).
 */
export async function kannelSendotaReference(
  o: { pushes?: number; concurrency?: number } = {},
): Promise<Reference> {
  // as many handsets as bench:smpp's cp_push_e2e_per_s
  const pushes = o.pushes ?? Number(process.env.SMPP_BENCH_E2E_PUSHES ?? 10_000);
  const concurrency = o.concurrency ?? 16;
  const bins = kannelBinaries();
  const base = { id: 'kannel-sendota', compares: KANNEL_COMPARES };
  if (!bins) {
    const s = which('sendota');
    return {
      ...base,
      label: 'Kannel sendota',
      note:
        `Kannel's bearerbox/smsbox are not installed here (Debian package kannel)${s ? `; a \`sendota\` command was found at ${s}, but sendota is smsbox's HTTP endpoint` : ''}. ` +
        'Not measured: no figure is given rather than an invented one',
    };
  }
  const label = `Kannel ${bins.version ?? ''} sendota`.replace(/\s+/g, ' ');
  const dir = mkdtempSync(join(tmpdir(), 'dmb-bench-kannel-'));
  const smsc = new SmscChild();
  const boxes: ChildProcess[] = [];
  const firstMsisdn = 491700000000;
  try {
    // one handset more than measured: the first push shows the whole chain is up
    const addr = await smsc.start(
      { messageIdBase: 'hex' },
      { cpHandsets: { count: pushes + 1, firstMsisdn, imsiOf: true, decode: true } },
    );
    const [adminPort, boxPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const conf = join(dir, 'kannel.conf');
    writeFileSync(
      conf,
      [
        'group = core',
        `admin-port = ${adminPort}`,
        'admin-password = bench',
        'admin-allow-ip = "127.0.0.1"',
        `smsbox-port = ${boxPort}`,
        'box-allow-ip = "127.0.0.1"',
        `log-file = "${join(dir, 'bearerbox.log')}"`,
        'log-level = 2',
        '',
        'group = smsc',
        'smsc = smpp',
        'smsc-id = sim',
        `host = ${addr.host}`,
        `port = ${addr.port}`,
        'transceiver-mode = true',
        'smsc-username = kannel',
        'smsc-password = kannel',
        'system-type = ""',
        'max-pending-submits = 100',
        'msg-id-type = 0x01',
        '',
        'group = smsbox',
        'bearerbox-host = 127.0.0.1',
        `bearerbox-port = ${boxPort}`,
        `sendsms-port = ${httpPort}`,
        'global-sender = DMBRIDGE',
        `log-file = "${join(dir, 'smsbox.log')}"`,
        'log-level = 2',
        '',
        'group = sendsms-user',
        'username = bench',
        'password = bench',
        'max-messages = 10',
        'concatenation = true',
        '',
      ].join('\n'),
    );
    const start = (bin: string) => {
      const p = spawn(bin, ['-v', '4', conf], { stdio: 'ignore' });
      boxes.push(p);
      return p;
    };
    start(bins.bearerbox);
    await new Promise((r) => setTimeout(r, 1000));
    start(bins.smsbox);
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const send = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const key = Array.from(
          imsiToKey(imsiOf(i)),
          (b) => `%${b.toString(16).padStart(2, '0')}`,
        ).join('');
        const q = new URLSearchParams({
          username: 'bench',
          password: 'bench',
          to: String(firstMsisdn + i),
          type: 'oma-settings',
          sec: 'NETWPIN',
          text: CP_XML,
        });
        const req = http.get(
          { host: '127.0.0.1', port: httpPort, path: `/cgi-bin/sendota?${q}&pin=${key}`, agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
      });
    const stats = () =>
      smsc.request({ cmd: 'stats' }) as Promise<{
        verified: number;
        rejected: number;
        submits: number;
      }>;
    const waitFor = async (n: number, ms: number) => {
      const until = performance.now() + ms;
      for (;;) {
        const s = await stats();
        if (s.verified + s.rejected >= n || performance.now() > until) return s;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // warm-up: retry until smsbox answers and the bind is up
    for (let t = performance.now(); ;) {
      const status = await send(pushes).catch(() => 0);
      if (status === 202 && (await waitFor(1, 3000)).verified >= 1) break;
      if (performance.now() - t > 20_000)
        throw new Error('Kannel did not deliver a first push within 20 s');
    }
    const loadBefore = loads();
    const t0 = performance.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < pushes) if ((await send(next++)) !== 202) refused++;
      }),
    );
    const httpS = (performance.now() - t0) / 1000;
    const s = await waitFor(pushes + 1, 120_000);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const stored = s.verified - 1;
    return {
      ...base,
      label,
      value: stored === pushes ? Math.round(pushes / seconds) : undefined,
      unit: 'pushes/s',
      note:
        `smsbox \`/cgi-bin/sendota\` (type oma-settings, SEC NETWPIN) → bearerbox → SMPP (window 100) → the bench's simulator SMSC ` +
        `(its own process) → ${pushes} simulated CP handsets, until every one verified the MAC and stored the document, as ` +
        `cp_push_e2e_per_s; ${concurrency} HTTP requests in flight; Kannel compiles the XML per request and keeps nothing ` +
        'in a store (no receipts asked for). Kannel uses the `pin` argument as the HMAC key as given, so it gets the IMSI ' +
        `in semi-octets (the spec's NETWPIN key; a plain IMSI string gives a MAC no handset accepts)` +
        (stored === pushes
          ? ''
          : `. Not complete: ${stored} of ${pushes} stored, ${s.rejected} rejected, ${refused} refused`),
      extra: {
        pushes,
        seconds: +seconds.toFixed(3),
        http_accepted_per_s: Math.round(pushes / httpS),
        submits: s.submits,
        rejected_by_handsets: s.rejected,
        refused_by_smsbox: refused,
      },
      loadBefore,
      loadAfter: loads(),
    };
  } finally {
    for (const p of boxes) p.kill('SIGTERM');
    await Promise.all(
      boxes.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)),
    );
    await smsc.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CeilingChild {
  port: number;
  cpu(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

function startCeiling(opts: {
  tls?: { key: string; cert: string };
  body: string;
  contentType: string;
}): Promise<CeilingChild> {
  const child = fork(join(__dirname, 'http-ceiling.child.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (m: unknown) =>
    new Promise<any>((resolve) => {
      child.once('message', resolve);
      child.send(m as any);
    });
  return ask({ cmd: 'start', ...opts }).then(({ port }) => ({
    port,
    cpu: async () => (await ask({ cmd: 'cpu' })).cpu,
    stop: async () => {
      await ask({ cmd: 'stop' });
    },
  }));
}

function post(
  mod: typeof http | typeof https,
  agent: http.Agent,
  port: number,
  body: Buffer,
  contentType: string,
): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        rejectUnauthorized: false,
        headers: { 'content-type': contentType, 'content-length': body.length },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(values: number[], q: number): number {
  const s = Float64Array.from(values).sort();
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))] : NaN;
}

/**
 * Closed loop: `clients` loops, each running "units" of `perUnit` sequential POSTs (a DM session,
 * a Workpoint interaction); `agents` gives each loop its agent (shared, or one socket per phone).
 */
async function closedLoop(o: {
  mod: typeof http | typeof https;
  agentFor: (i: number) => http.Agent;
  port: number;
  clients: number;
  perUnit: number;
  seconds: number;
  request: Buffer;
  contentType: string;
}): Promise<{ units: number; requests: number; elapsed: number; latencies: number[] }> {
  const latencies: number[] = [];
  let units = 0;
  let requests = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.clients }, async (_, i) => {
      const agent = o.agentFor(i);
      while (performance.now() < end) {
        for (let k = 0; k < o.perUnit; k++) {
          latencies.push(await post(o.mod, agent, o.port, o.request, o.contentType));
          requests++;
        }
        units++;
      }
    }),
  );
  return { units, requests, elapsed: (performance.now() - t0) / 1000, latencies };
}

function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dmb-bench-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Warm-up, then a measured closed loop: rates, latencies and the server's CPU per request. */
async function measureCeiling(
  server: CeilingChild,
  loop: (seconds: number) => ReturnType<typeof closedLoop>,
  seconds: number,
) {
  await loop(1);
  const loadBefore = loads();
  const cpu0 = await server.cpu();
  const r = await loop(seconds);
  const cpu1 = await server.cpu();
  const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
  return {
    unitsPerS: Math.round(r.units / r.elapsed),
    extra: {
      requests_per_s: Math.round(r.requests / r.elapsed),
      p50_ms: +percentile(r.latencies, 0.5).toFixed(2),
      p99_ms: +percentile(r.latencies, 0.99).toFixed(2),
      server_cpu_ms_per_request: +(cpuMs / r.requests).toFixed(3),
    },
    loadBefore,
    loadAfter: loads(),
  };
}

/**
 * bench:dm's client pattern against a server that does nothing: 48 sessions in flight over one
 * keep-alive agent, each `messagesPerSession` sequential POSTs of a DM-sized body.
 */
export async function dmHttpCeiling(o: {
  corpus: string;
  messagesPerSession: number;
  clients?: number;
  seconds?: number;
}): Promise<Reference> {
  const clients = o.clients ?? 48;
  const seconds = o.seconds ?? 6;
  const request = readFileSync(join(o.corpus, 'dm-client.xml'));
  const reply = readFileSync(join(o.corpus, 'dm-server.xml'), 'utf8');
  const ct = 'application/vnd.syncml.dm+xml';
  const server = await startCeiling({ body: reply, contentType: ct });
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 16 });
  try {
    const loop = (s: number) =>
      closedLoop({
        mod: http,
        agentFor: () => agent,
        port: server.port,
        clients,
        perUnit: o.messagesPerSession,
        seconds: s,
        request,
        contentType: ct,
      });
    const m = await measureCeiling(server, loop, seconds);
    return {
      id: 'node-http-ceiling-dm',
      label: `raw Node ${process.version} HTTP ceiling`,
      value: m.unitsPerS,
      unit: 'sessions/s',
      note:
        `a trivial node:http server (its own process) reading the body and answering a fixed ${reply.length}-byte ` +
        `body, driven like bench:dm: ${clients} sessions in flight over one keep-alive agent, ${o.messagesPerSession} ` +
        `sequential POSTs of ${request.length} bytes per session (bench:dm's measured messages per session), ${seconds} s`,
      compares: [{ bench: 'dm', metric: 'dm_sessions_per_s' }],
      extra: m.extra,
      loadBefore: m.loadBefore,
      loadAfter: m.loadAfter,
    };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** A start-up-sized WorkpointMessage and a DLSMessage-sized reply: only their sizes matter here. */
function workpointBodies(): { request: Buffer; reply: string } {
  const items = Array.from(
    { length: 80 },
    (_, i) => `<Item name="item-${i}">value-${i}</Item>`,
  ).join('');
  const request = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><WorkpointMessage xmlns="http://www.siemens.com/DLS"><Message nonce="0123456789abcdef" maxItems="-1"><ReasonForContact action="start-up">start-up</ReasonForContact><ItemList>${items}</ItemList></Message></WorkpointMessage>`,
  );
  const writes = Array.from(
    { length: 20 },
    (_, i) => `<Item name="item-${i}" index="">bench-${i}</Item>`,
  ).join('');
  const reply = `<?xml version="1.0" encoding="UTF-8"?><DLSMessage xmlns="http://www.siemens.com/DLS"><Message nonce="0123456789abcdef"><Action>WriteItems</Action><ItemList>${writes}</ItemList></Message></DLSMessage>`;
  return { request, reply };
}

/**
 * bench:workpoint's client pattern against a server that does nothing: 48 phones, each on its own
 * keep-alive HTTPS connection, 3 sequential POSTs per interaction.
 */
export async function workpointHttpsCeiling(
  o: { clients?: number; seconds?: number } = {},
): Promise<Reference> {
  const clients = o.clients ?? 48;
  const seconds = o.seconds ?? 6;
  const { request, reply } = workpointBodies();
  const ct = 'text/xml; charset=utf-8';
  const server = await startCeiling({ tls: selfSignedCert(), body: reply, contentType: ct });
  const agents = Array.from(
    { length: clients },
    () => new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }),
  );
  try {
    const loop = (s: number) =>
      closedLoop({
        mod: https,
        agentFor: (i) => agents[i],
        port: server.port,
        clients,
        perUnit: 3,
        seconds: s,
        request,
        contentType: ct,
      });
    const m = await measureCeiling(server, loop, seconds);
    return {
      id: 'node-https-ceiling-workpoint',
      label: `raw Node ${process.version} HTTPS ceiling`,
      value: m.unitsPerS,
      unit: 'interactions/s',
      note:
        `a trivial node:https server (its own process, RSA-2048 self-signed) answering a fixed ${reply.length}-byte body, ` +
        `driven like bench:workpoint: ${clients} phones, each on its own keep-alive connection, 3 sequential POSTs ` +
        `of ${request.length} bytes per interaction, ${seconds} s`,
      compares: [{ bench: 'workpoint', metric: 'wp_interactions_per_s', case: 'closed-loop' }],
      extra: m.extra,
      loadBefore: m.loadBefore,
      loadAfter: m.loadAfter,
    };
  } finally {
    for (const a of agents) a.destroy();
    await server.stop();
  }
}
