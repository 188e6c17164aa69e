/**
 * `dm-bridge push cp FILE.xml …` and `dm-bridge push dm-notify …`: preview the exact bytes of an
 * OMA CP push or an OMA DM notification, or bind to an SMSC and send it.
 */
import { readFile } from 'node:fs/promises';
import {
  parseSmscUrl,
  ReceiptEvent,
  SmppBind,
  SmppSubmitError,
  type BindConfig,
} from '@dm-bridge/smpp';
import {
  buildCpPush,
  buildDmNotificationPush,
  InMemoryConcatReferenceAllocator,
  previewCpPush,
  previewDmNotification,
  segmentCount,
  UI_MODES,
  type PushPreview,
  type SmsSegment,
} from '@dm-bridge/wap-push';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage:
  dm-bridge push cp FILE.xml --to MSISDN (--sec NETWPIN --imsi IMSI | --sec USERPIN --pin PIN |
                 --sec USERNETWPIN --imsi IMSI --pin PIN) [common options]
  dm-bridge push dm-notify --to MSISDN --server-id ID --server-password PW [--nonce B64]
                 [--session-id HEX] [--ui-mode not-specified|background|informative|user-interaction]
                 [--notification-version 11|12] [common options]
common options:
  --preview            print the XML/WBXML/WSP/segment bytes and send nothing
  --reveal             with --preview: show MAC/digest/secret values instead of masking them
  --json               machine-readable output
  --smsc URL           smpp://system_id:password@host:port[?source=…&mode=…] (or env DMB_SMSC_URL)
  --wait-receipt       wait for the delivery receipt of every segment
  --gateway-redis URL  beside a running gateway bound with the same system_id (the SMSC hands
                       receipts to the gateway's session): also read the receipts the gateway
                       parked in its Redis (or env DMB_GATEWAY_REDIS_URL; prefix: --gateway-prefix,
                       default dmb:). A dedicated system_id for the CLI needs none of this
  --timeout MS         how long to wait for the bind, acks and receipts (default 30000)
  --src-port N         WDP source port (default 9200; Kannel uses 2948)
  --ref16              16-bit concatenation reference
exit status: 0 sent (and delivered with --wait-receipt), 1 refused/undelivered, 2 usage error`;

class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  '--to',
  '--sec',
  '--imsi',
  '--pin',
  '--smsc',
  '--gateway-redis',
  '--gateway-prefix',
  '--server-id',
  '--server-password',
  '--nonce',
  '--session-id',
  '--ui-mode',
  '--notification-version',
  '--timeout',
  '--src-port',
]);
const BOOL_FLAGS = new Set(['--preview', '--reveal', '--json', '--wait-receipt', '--ref16']);

interface Args {
  kind: 'cp' | 'dm-notify';
  file?: string;
  values: Map<string, string>;
  flags: Set<string>;
}

function parseArgs(argv: string[]): Args {
  const [kind, ...rest] = argv;
  if (kind !== 'cp' && kind !== 'dm-notify') {
    throw new UsageError(
      kind ? `unknown push kind "${kind}"` : 'missing push kind (cp or dm-notify)',
    );
  }
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (VALUE_FLAGS.has(a)) {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      values.set(a, v);
    } else if (BOOL_FLAGS.has(a)) flags.add(a);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  if (kind === 'cp' && positional.length !== 1)
    throw new UsageError('push cp needs exactly one FILE.xml');
  if (kind === 'dm-notify' && positional.length)
    throw new UsageError(`unexpected argument ${positional[0]}`);
  if (!values.get('--to')) throw new UsageError('--to MSISDN is required');
  if (!/^\+?[0-9]{3,20}$/.test(values.get('--to')!))
    throw new UsageError('--to must be an MSISDN (digits)');
  return { kind, file: positional[0], values, flags };
}

function intValue(a: Args, flag: string, dflt: number, max = 0xffff): number {
  const v = a.values.get(flag);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) > max)
    throw new UsageError(`${flag} must be an integer 0..${max}`);
  return Number(v);
}

interface BuiltPush {
  preview: () => PushPreview;
  /** Builds the segments with the given concatenation reference. */
  segments: (concatRef: number | undefined) => SmsSegment[];
  datagramLength: number;
}

async function buildPush(a: Args): Promise<BuiltPush> {
  const srcPort = intValue(a, '--src-port', 9200);
  const ref16 = a.flags.has('--ref16');
  if (a.kind === 'cp') {
    const sec = (a.values.get('--sec') ?? '').toUpperCase();
    if (!['NETWPIN', 'USERPIN', 'USERNETWPIN'].includes(sec)) {
      throw new UsageError('--sec must be NETWPIN, USERPIN or USERNETWPIN');
    }
    const imsi = a.values.get('--imsi');
    const pin = a.values.get('--pin');
    if ((sec === 'NETWPIN' || sec === 'USERNETWPIN') && !imsi)
      throw new UsageError(`--sec ${sec} needs --imsi`);
    if ((sec === 'USERPIN' || sec === 'USERNETWPIN') && !pin)
      throw new UsageError(`--sec ${sec} needs --pin`);
    const xml = await readFile(a.file!, 'utf8');
    const opts = { sec: sec as 'NETWPIN', imsi, pin, srcPort, ref16 };
    const probe = buildCpPush(xml, { ...opts, concatRef: 0 });
    return {
      preview: () =>
        previewCpPush(probe.wbxml, { ...opts, concatRef: 0, reveal: a.flags.has('--reveal') }),
      segments: (concatRef) => buildCpPush(probe.wbxml, { ...opts, concatRef }).segments,
      datagramLength: probe.wsp.length,
    };
  }
  const serverId = a.values.get('--server-id');
  const serverPassword = a.values.get('--server-password');
  if (!serverId) throw new UsageError('--server-id is required');
  if (serverPassword === undefined) throw new UsageError('--server-password is required');
  const sessionHex = a.values.get('--session-id') ?? '1';
  if (!/^[0-9A-Fa-f]{1,4}$/.test(sessionHex))
    throw new UsageError('--session-id must be 1-4 hex digits');
  const uiModeRaw = a.values.get('--ui-mode') ?? 'not-specified';
  const uiMode = /^[0-3]$/.test(uiModeRaw) ? Number(uiModeRaw) : uiModeRaw;
  if (typeof uiMode === 'string' && !(uiMode in UI_MODES)) {
    throw new UsageError(`--ui-mode must be one of ${Object.keys(UI_MODES).join(', ')} or 0-3`);
  }
  const nonceB64 = a.values.get('--nonce');
  if (nonceB64 !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(nonceB64))
    throw new UsageError('--nonce must be base64');
  const version = intValue(a, '--notification-version', 11, 1023);
  const opts = {
    serverId,
    serverPassword,
    sessionId: parseInt(sessionHex, 16),
    uiMode: uiMode as keyof typeof UI_MODES,
    nonce: nonceB64 === undefined ? undefined : new Uint8Array(Buffer.from(nonceB64, 'base64')),
    version,
    srcPort,
    ref16,
  };
  const probe = buildDmNotificationPush({ ...opts, concatRef: 0 });
  return {
    preview: () =>
      previewDmNotification({ ...opts, concatRef: 0, reveal: a.flags.has('--reveal') }),
    segments: (concatRef) => buildDmNotificationPush({ ...opts, concatRef }).segments,
    datagramLength: probe.wsp.length,
  };
}

function printPreview(p: PushPreview, io: CommandIo, json: boolean): void {
  if (json) {
    io.stdout.write(JSON.stringify(p, null, 2) + '\n');
    return;
  }
  const lines: string[] = [`kind: ${p.kind}`, `content-type: ${p.contentType}`];
  if (p.sec) lines.push(`SEC: ${p.sec}`, `MAC: ${p.mac ?? '(none)'}`);
  if (p.notification) {
    const n = p.notification;
    lines.push(
      `package #0: version ${n.version}, ui-mode ${n.uiMode}, initiator ${n.initiator}, session ${n.sessionIdHex}, server "${n.serverId}"`,
      `digest: ${n.digestHex}`,
    );
  }
  if (p.xml) lines.push('', p.xml.trimEnd(), '');
  if (p.wbxmlHex) lines.push(`WBXML (${p.wbxmlHex.length / 2} B): ${p.wbxmlHex}`);
  if (p.pkg0Hex) lines.push(`package #0 (${p.pkg0Hex.length / 2} B): ${p.pkg0Hex}`);
  lines.push(`WSP push PDU (${p.wspPduHex.length / 2} B): ${p.wspPduHex}`);
  for (const s of p.segments) {
    lines.push(
      `SMS ${s.index}/${s.total} (${s.length} B TP-UD): UDH ${s.udhHex} | ${s.payloadHex}`,
    );
  }
  if (p.masked) lines.push('(secrets shown as *; --reveal shows them)');
  io.stdout.write(lines.join('\n') + '\n');
}

function smscConfig(a: Args): BindConfig {
  const url = a.values.get('--smsc') ?? process.env.DMB_SMSC_URL;
  if (!url)
    throw new UsageError(
      '--smsc smpp://system_id:password@host:port is required to send (or --preview)',
    );
  try {
    return { ...parseSmscUrl(url, 'cli'), registeredDelivery: true, reconnectMaxMs: 2_000 };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function send(a: Args, push: BuiltPush, io: CommandIo): Promise<number> {
  const cfg = smscConfig(a);
  const timeout = intValue(a, '--timeout', 30_000, 3_600_000);
  const to = a.values.get('--to')!.replace(/^\+/, '');
  const total = segmentCount(push.datagramLength, a.flags.has('--ref16'));
  const ref =
    total > 1
      ? await new InMemoryConcatReferenceAllocator().next(to, { ref16: a.flags.has('--ref16') })
      : undefined;
  const segments = push.segments(ref);
  const bind = new SmppBind(cfg);
  const receipts = new Map<string, ReceiptEvent>();
  let onReceipt: (() => void) | undefined;
  bind.on('receipt', (r: ReceiptEvent) => {
    receipts.set(r.canonicalId, r);
    onReceipt?.();
  });
  const where = `${cfg.systemId}@${cfg.host}:${cfg.port}`; // never the password
  const json = a.flags.has('--json');
  let stopRelay: (() => void) | undefined;
  try {
    bind.start();
    await bind.waitBound(timeout);
    if (!json) io.stdout.write(`bound to ${where} (${cfg.mode})\n`);
    // Throttling and temporary SMSC errors are retried until --timeout, then reported.
    const deadline = Date.now() + timeout;
    const results = await Promise.all(
      segments.map((s) =>
        bind.submit(
          { destination: to, userData: Buffer.from(s.userData), udhi: true },
          { deadline },
        ),
      ),
    );
    const ids = results.map((r) => r.messageId);
    if (!json)
      results.forEach((r, i) =>
        io.stdout.write(`segment ${i + 1}/${segments.length}: message id ${r.messageId}\n`),
      );
    let states: string[] | undefined;
    let code = 0;
    if (a.flags.has('--wait-receipt')) {
      const want = results.map((r) => r.canonicalId);
      stopRelay = await relayGatewayReceipts(a, cfg, want, (r) => {
        if (!receipts.has(r.canonicalId)) receipts.set(r.canonicalId, r);
        onReceipt?.();
      });
      const final = () =>
        want.every((id) => receipts.get(id) && receipts.get(id)!.state !== 'pending');
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `no final receipt for every segment within ${timeout} ms` +
                  (receipts.size === 0
                    ? ' (none arrived: if a gateway is bound with the same system_id, the SMSC may hand receipts to it; use a dedicated system_id or --gateway-redis, see docs/smpp.md)'
                    : ''),
              ),
            ),
          timeout,
        );
        onReceipt = () => {
          if (final()) {
            clearTimeout(t);
            resolve();
          }
        };
        onReceipt();
      });
      states = want.map((id) => receipts.get(id)!.stat);
      if (!states.every((s) => s === 'DELIVRD')) code = 1;
      if (!json)
        io.stdout.write(
          `receipts: ${states.join(', ')} -> ${code === 0 ? 'delivered' : 'failed'}\n`,
        );
    }
    if (json)
      io.stdout.write(
        JSON.stringify({ smsc: where, to, messageIds: ids, receipts: states }) + '\n',
      );
    return code;
  } catch (e) {
    if (e instanceof SmppSubmitError) {
      io.stderr.write(`dm-bridge push: SMSC refused the push: ${e.statusName}\n`);
    } else {
      io.stderr.write(`dm-bridge push: ${(e as Error).message}\n`);
    }
    return 1;
  } finally {
    stopRelay?.();
    await bind.close(2_000);
  }
}

/**
 * An SMSC gives a receipt to a receiver bound with the system_id that submitted; when a gateway
 * is bound with the same system_id it may get ours. The gateway parks receipts it cannot match
 * under `<prefix>smpp:early:<bind>:<id>` (state:stat); with --gateway-redis we poll those for the
 * gateway's binds of our system_id. Returns a stop function (or undefined without the option).
 */
async function relayGatewayReceipts(
  a: Args,
  cfg: BindConfig,
  want: string[],
  found: (r: ReceiptEvent) => void,
): Promise<(() => void) | undefined> {
  const url = a.values.get('--gateway-redis') ?? process.env.DMB_GATEWAY_REDIS_URL;
  if (!url) return undefined;
  const prefix = a.values.get('--gateway-prefix') ?? process.env.DMB_GATEWAY_PREFIX ?? 'dmb:';
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined);
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const binds = Object.values(await redis.hgetall(`${prefix}smpp:binds`))
          .map((v) => JSON.parse(v) as { config: { id: string; systemId: string } })
          .filter((b) => b.config.systemId === cfg.systemId)
          .map((b) => b.config.id);
        for (const id of want) {
          for (const bindId of binds) {
            const v = await redis.get(`${prefix}smpp:early:${bindId}:${id}`);
            if (!v) continue;
            const [state, stat] = v.split(':');
            found({
              canonicalId: id,
              bindId,
              messageId: id,
              state: state as ReceiptEvent['state'],
              stat,
            } as ReceiptEvent);
          }
        }
      } catch {
        // Redis unreachable: keep waiting for our own session's receipts
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void poll();
  return () => {
    stopped = true;
    redis.disconnect();
  };
}

export async function run(
  argv: string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const args = parseArgs(argv);
    const push = await buildPush(args);
    if (args.flags.has('--preview')) {
      printPreview(push.preview(), io, args.flags.has('--json'));
      return 0;
    }
    return await send(args, push, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`dm-bridge push: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    io.stderr.write(`dm-bridge push: ${(e as Error).message}\n`);
    return 1;
  }
}
