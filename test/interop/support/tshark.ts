/**
 * Runs Wireshark's command-line dissector (tshark) over a pcap we built from our own bytes and
 * returns its PDML tree. Wireshark is the independent decoder: nothing here interprets protocol
 * bytes itself, it only reads what Wireshark says.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export const TSHARK_INSTALL_HINT =
  'tshark (Wireshark) is required by test/interop: install it with ' +
  '`apt-get install -y tshark` (Debian packages tshark + wireshark-common); see docs/interop.md';

/**
 * Jest timeout for a test (or beforeAll) that runs tshark: dissection takes seconds and far
 * longer on a loaded machine, and a test timing out says nothing about the protocol under test.
 */
export const TSHARK_TEST_TIMEOUT_MS = 180_000;

let cachedVersion: string | undefined;

/** Throws (the test then fails with the install hint) when tshark is not on PATH. */
export function tsharkVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    const out = execFileSync('tshark', ['-v'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cachedVersion = /TShark \(Wireshark\) (\S+)/.exec(out)?.[1] ?? 'unknown';
    return cachedVersion;
  } catch (err) {
    throw new Error(`${TSHARK_INSTALL_HINT} (${(err as Error).message})`);
  }
}

/** One node of tshark's PDML output: a protocol or a field (both may have children). */
export interface PdmlNode {
  kind: 'proto' | 'field';
  name: string;
  /** Display value (`show`): for tree-text items without a field name, the text itself. */
  show: string;
  /** The full line as Wireshark displays it. */
  showname: string;
  /** Raw bytes as hex, when Wireshark gives them. */
  value?: string;
  pos?: number;
  size?: number;
  children: PdmlNode[];
}

export interface DissectOptions {
  /** tshark `-d` decode-as rules, e.g. `tcp.port==2775,smpp`. */
  decodeAs?: string[];
  /** tshark `-o` preferences, e.g. `{ 'wsp.udp.port': '2948' }` or uat entries. */
  prefs?: Record<string, string>;
  /** Extra `-2`/display filter etc. are not needed for our files; kept minimal on purpose. */
}

/** The lower-level result: one PDML tree per packet, in capture order. */
export interface Dissection {
  packets: PdmlNode[];
  /** The exact command that ran (printed in assertion messages to reproduce by hand). */
  command: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
  // attribute values are Wireshark's text verbatim: " /" must stay " /"
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toPdmlNodes(list: OrderedNode[]): PdmlNode[] {
  const out: PdmlNode[] = [];
  for (const item of list) {
    const tag = Object.keys(item).find((k) => k !== ':@');
    if (tag !== 'proto' && tag !== 'field') continue;
    const a = item[':@'] ?? {};
    out.push({
      kind: tag,
      name: a.name ?? '',
      show: a.show ?? '',
      showname: a.showname ?? a.show ?? '',
      value: a.value,
      pos: a.pos === undefined ? undefined : Number(a.pos),
      size: a.size === undefined ? undefined : Number(a.size),
      children: toPdmlNodes((item[tag] as OrderedNode[]) ?? []),
    });
  }
  return out;
}

export function parsePdml(xml: string): PdmlNode[] {
  const doc = parser.parse(xml) as OrderedNode[];
  const pdml = doc.find((n) => 'pdml' in n);
  if (!pdml) throw new Error('tshark produced no <pdml> document');
  const packets = (pdml.pdml as OrderedNode[]).filter((n) => 'packet' in n);
  return packets.map((p) => ({
    kind: 'proto' as const,
    name: 'packet',
    show: '',
    showname: '',
    children: toPdmlNodes(p.packet as OrderedNode[]),
  }));
}

function buildArgs(file: string, options: DissectOptions): string[] {
  const args = ['-n', '-r', file, '-T', 'pdml'];
  for (const d of options.decodeAs ?? []) args.push('-d', d);
  for (const [k, v] of Object.entries(options.prefs ?? {})) args.push('-o', `${k}:${v}`);
  return args;
}

/**
 * Writes `pcap` to a temporary file and dissects it with tshark (-T pdml). tshark runs with an
 * empty configuration directory so a developer's own Wireshark preferences cannot change results.
 */
export async function dissectPcap(pcap: Buffer, options: DissectOptions = {}): Promise<Dissection> {
  tsharkVersion();
  const dir = mkdtempSync(path.join(tmpdir(), 'dmb-interop-'));
  const file = path.join(dir, 'capture.pcap');
  try {
    writeFileSync(file, pcap);
    const args = buildArgs(file, options);
    const command = `tshark ${args.map((a) => (/[\s'"|,=]/.test(a) ? `'${a}'` : a)).join(' ')}`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'tshark',
        args,
        {
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
          env: { ...process.env, WIRESHARK_CONFIG_DIR: dir, XDG_CONFIG_HOME: dir, HOME: dir },
        },
        (err, out, errOut) => {
          if (err) reject(new Error(`${command} failed: ${err.message}\n${errOut}`));
          else resolve(out);
        },
      );
    });
    return { packets: parsePdml(stdout), command };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Depth-first walk over a node's descendants (not the node itself). */
export function* descendants(node: PdmlNode): Generator<PdmlNode> {
  for (const c of node.children) {
    yield c;
    yield* descendants(c);
  }
}

export function findAll(node: PdmlNode, name: string): PdmlNode[] {
  return [...descendants(node)].filter((n) => n.name === name);
}

export function findFirst(node: PdmlNode, name: string): PdmlNode | undefined {
  for (const n of descendants(node)) if (n.name === name) return n;
  return undefined;
}

/** The `show` value of the first field named `name`; throws naming the field when absent. */
export function show(node: PdmlNode, name: string): string {
  const f = findFirst(node, name);
  if (!f) throw new Error(`Wireshark shows no field ${name}`);
  return f.show;
}

/** All `show` values of fields named `name`, in tree order. */
export function showAll(node: PdmlNode, name: string): string[] {
  return findAll(node, name).map((n) => n.show);
}

/** Protocol layers of a packet as Wireshark names them, e.g. ['geninfo','frame','raw','ip','udp','wsp','wbxml']. */
export function protocols(packet: PdmlNode): string[] {
  return [...descendants(packet)].filter((n) => n.kind === 'proto').map((n) => n.name);
}

/** PI severities (epan/proto.h): only warnings and errors count as problems for us. */
const PI_WARN = 0x00600000;
const PI_ERROR = 0x00800000;

export interface ExpertProblem {
  severity: 'warning' | 'error' | 'malformed';
  message: string;
}

/**
 * Malformed-packet markers and expert items of severity warning or error raised by the protocol
 * layers under test: everything from the first protocol named in `layers` on, in Wireshark's
 * order (e.g. `['smpp']` takes smpp and what it carries: gsm_sms_ud, wsp, wbxml). Link, IP and
 * TCP analysis items (retransmission, D-SACK, RST, window updates, "previous segment not
 * captured") are about the kernel's loopback and the capture, never about our bytes, so they are
 * not ours to judge; a TCP fault that did damage our bytes shows as a malformed or wrong layer
 * under test anyway. An empty list means Wireshark found nothing wrong with our protocols.
 */
export function expertProblems(packet: PdmlNode, layers: readonly string[]): ExpertProblem[] {
  const out: ExpertProblem[] = [];
  let inScope = false;
  for (const n of descendants(packet)) {
    if (!inScope) {
      if (n.kind === 'proto' && layers.includes(n.name)) inScope = true;
      else continue;
    }
    if (n.name === '_ws.malformed')
      out.push({ severity: 'malformed', message: n.showname || n.show });
    if (n.name === '_ws.expert') {
      const sev = Number(findFirst(n, '_ws.expert.severity')?.show ?? 0);
      const message = findFirst(n, '_ws.expert.message')?.show ?? n.showname;
      if (sev >= PI_ERROR) out.push({ severity: 'error', message });
      else if (sev >= PI_WARN) out.push({ severity: 'warning', message });
    }
  }
  return out;
}

/**
 * Every problem of every packet in the layers under test (see expertProblems), prefixed with
 * the frame number, for one readable assertion.
 */
export function allExpertProblems(d: Dissection, layers: readonly string[]): string[] {
  return d.packets.flatMap((p, i) =>
    expertProblems(p, layers).map((e) => `frame ${i + 1}: ${e.severity}: ${e.message}`),
  );
}

/** Packets whose TCP or UDP source port is `port` and that carry protocol layer `proto`. */
export function packetsFrom(d: Dissection, port: number, proto: string): PdmlNode[] {
  return d.packets.filter(
    (p) =>
      protocols(p).includes(proto) &&
      (findFirst(p, 'tcp.srcport')?.show === String(port) ||
        findFirst(p, 'udp.srcport')?.show === String(port)),
  );
}

/** Exactly one such packet, or an error that names what Wireshark did show. */
export function onePacketFrom(d: Dissection, port: number, proto: string): PdmlNode {
  const found = packetsFrom(d, port, proto);
  if (found.length !== 1) {
    const seen = d.packets
      .filter(
        (p) =>
          findFirst(p, 'tcp.srcport')?.show === String(port) ||
          findFirst(p, 'udp.srcport')?.show === String(port),
      )
      .map((p) => protocols(p).join(':'));
    throw new Error(
      `expected one ${proto} packet from port ${port}, Wireshark shows ${found.length} (${seen.join(' | ')}); ${d.command}`,
    );
  }
  return found[0];
}
