/**
 * The references `npm run bench` (bench/run-all.ts) measures beside the project's figures:
 * libwbxml's command-line tools on the WBXML corpus, Kannel's `sendota` (looked for, not
 * invented), and the raw Node HTTP / HTTPS ceiling under the client pattern of bench:dm and
 * bench:workpoint.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reference } from './bench-report';

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

/** Kannel's sendota: measured only if there is something to measure; otherwise says why not. */
export function kannelReference(): Reference {
  const sendota = which('sendota');
  const smsbox =
    which('smsbox') ??
    (spawnSync('test', ['-x', '/usr/sbin/smsbox']).status === 0 ? '/usr/sbin/smsbox' : undefined);
  const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'kannel'], { encoding: 'utf8' });
  const installed =
    pkg.status === 0 && pkg.stdout
      ? `Debian kannel ${pkg.stdout} is installed`
      : 'Debian package kannel is not installed';
  const note = sendota
    ? `\`sendota\` found at ${sendota}, but this runner has no driver for it yet`
    : `${installed}; there is no \`sendota\` command (${smsbox ? `smsbox is at ${smsbox}: ` : ''}sendota is ` +
      "smsbox's HTTP endpoint `/cgi-bin/sendota`, which needs a bearerbox with an SMSC link and an smsbox " +
      'configuration). Not measured: no figure is given rather than an invented one';
  return {
    id: 'kannel-sendota',
    label: 'Kannel sendota',
    note,
    compares: [
      { bench: 'wap-push', metric: 'cp_push_build_per_s' },
      { bench: 'smpp', metric: 'cp_push_build_per_s' },
      { bench: 'smpp', metric: 'cp_push_e2e_per_s' },
    ],
  };
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
    await loop(1);
    const loadBefore = loads();
    const cpu0 = await server.cpu();
    const r = await loop(seconds);
    const cpu1 = await server.cpu();
    return {
      id: 'node-http-ceiling-dm',
      label: `raw Node ${process.version} HTTP ceiling`,
      value: Math.round(r.units / r.elapsed),
      unit: 'sessions/s',
      note:
        `a trivial node:http server (its own process) reading the body and answering a fixed ${reply.length}-byte ` +
        `body, driven like bench:dm: ${clients} sessions in flight over one keep-alive agent, ${o.messagesPerSession} ` +
        `sequential POSTs of ${request.length} bytes per session (bench:dm's measured messages per session), ${seconds} s`,
      compares: [{ bench: 'dm', metric: 'dm_sessions_per_s' }],
      extra: {
        requests_per_s: Math.round(r.requests / r.elapsed),
        p50_ms: +percentile(r.latencies, 0.5).toFixed(2),
        p99_ms: +percentile(r.latencies, 0.99).toFixed(2),
        server_cpu_ms_per_request: +(
          (cpu1.user - cpu0.user + cpu1.system - cpu0.system) /
          1000 /
          r.requests
        ).toFixed(3),
      },
      loadBefore,
      loadAfter: loads(),
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
    await loop(1);
    const loadBefore = loads();
    const cpu0 = await server.cpu();
    const r = await loop(seconds);
    const cpu1 = await server.cpu();
    return {
      id: 'node-https-ceiling-workpoint',
      label: `raw Node ${process.version} HTTPS ceiling`,
      value: Math.round(r.units / r.elapsed),
      unit: 'interactions/s',
      note:
        `a trivial node:https server (its own process, RSA-2048 self-signed) answering a fixed ${reply.length}-byte body, ` +
        `driven like bench:workpoint: ${clients} phones, each on its own keep-alive connection, 3 sequential POSTs ` +
        `of ${request.length} bytes per interaction, ${seconds} s`,
      compares: [{ bench: 'workpoint', metric: 'wp_interactions_per_s', case: 'closed-loop' }],
      extra: {
        requests_per_s: Math.round(r.requests / r.elapsed),
        p50_ms: +percentile(r.latencies, 0.5).toFixed(2),
        p99_ms: +percentile(r.latencies, 0.99).toFixed(2),
        server_cpu_ms_per_request: +(
          (cpu1.user - cpu0.user + cpu1.system - cpu0.system) /
          1000 /
          r.requests
        ).toFixed(3),
      },
      loadBefore,
      loadAfter: loads(),
    };
  } finally {
    for (const a of agents) a.destroy();
    await server.stop();
  }
}
