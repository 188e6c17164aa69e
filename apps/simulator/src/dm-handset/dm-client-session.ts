import {
  AUTH_TYPE,
  basicCredential,
  decodeDmMessage,
  encodeDmMessage,
  formatHmacHeader,
  hmacDigest,
  isItemCommand,
  md5Credential,
  parseHmacHeader,
  sameSecret,
  type AlertCommand,
  type ContainerCommand,
  type DmCommand,
  type DmEncoding,
  type DmItem,
  type DmMessage,
  type ItemCommand,
  type ResultsCommand,
  type StatusCommand,
} from '@dm-bridge/omadm';
import { randomBytes } from 'node:crypto';
import { ManagementTree, TreeError, type NodeFormat, type TreeCommand } from './management-tree';
import { buildTnds, TNDS_XML_TYPE } from './tnds';

export type HandsetAuth = 'none' | 'basic' | 'md5' | 'hmac';

/** The handset's DM account and capabilities (the DMAcc it was provisioned with). */
export interface DmClientConfig {
  devId: string;
  encoding: DmEncoding;
  serverUrl: string;
  serverId: string;
  clientAuth: HandsetAuth;
  clientName: string;
  clientPassword: string;
  /** check the server's credentials (md5/basic Cred, or HMAC header) */
  serverAuth: HandsetAuth;
  serverPassword: string;
  /** largest message this handset accepts */
  maxMsgSize: number;
  maxObjSize?: number;
  /** DevInfo nodes sent in package 1 */
  devInfo: Record<string, string>;
}

/** Nonces the handset keeps between sessions (base64 of raw bytes). */
export interface HandsetNonces {
  /** issued by the server: hashes our credentials */
  client: string;
  /** issued by us, the newest: the server hashes its credentials (and package #0) with it */
  server: string;
  /**
   * The nonce the server last proved it holds, still accepted until the server proves it got
   * `server` (a Cred, HMAC or package #0 hashed with it). The message that carried `server` may
   * never have reached the server, or the server may have lost it in a crash; without this the
   * two sides would hold different nonces and every package #0 would be rejected.
   */
  serverPrevious?: string;
}

/** The server nonces a handset accepts, newest first (raw bytes as base64). */
export function acceptedServerNonces(n: HandsetNonces): string[] {
  return n.serverPrevious !== undefined && n.serverPrevious !== n.server
    ? [n.server, n.serverPrevious]
    : [n.server];
}

export interface OutgoingMessage {
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

export interface SessionLog {
  /** every command the server sent, with the status we gave it */
  executed: { cmd: string; uri?: string; status: number }[];
  serverAuthenticated: boolean;
  authenticated: boolean;
  ended: 'completed' | 'aborted' | 'auth-failed' | 'server-auth-failed' | undefined;
  messages: number;
}

const CONTENT_TYPE: Record<DmEncoding, string> = {
  wbxml: 'application/vnd.syncml.dm+wbxml',
  xml: 'application/vnd.syncml.dm+xml',
};

const MAX_AUTH_ROUNDS = 3;

interface Incoming {
  uri: string;
  cmd: ItemCommand;
  parts: (string | Uint8Array)[];
  size?: number;
}

/**
 * A sans-IO OMA DM client session: builds package 1, then turns each server message into the
 * next client message (or nothing, when the session is over). Executes commands on a real tree.
 */
export class DmClientSession {
  readonly log: SessionLog = {
    executed: [],
    serverAuthenticated: false,
    authenticated: false,
    ended: undefined,
    messages: 0,
  };
  private msgId = 0;
  private url: string;
  private serverMaxMsgSize?: number;
  private authRounds = 0;
  /** stores the server nonce this message's Chal announces (see checkServer) */
  private issueNonce?: () => void;
  private serverAuthRounds = 0;
  private incoming?: Incoming;
  /** Results chunks waiting to go out (large object towards the server) */
  private outgoingChunks: ResultsCommand[] = [];

  constructor(
    private readonly cfg: DmClientConfig,
    private readonly tree: ManagementTree,
    readonly nonces: HandsetNonces,
    private readonly sessionId: string,
    private readonly initiator: 'client' | 'server',
    private readonly extraAlerts: Omit<AlertCommand, 'cmdId'>[] = [],
  ) {
    this.url = cfg.serverUrl;
  }

  /** Package 1: Alert 1200/1201, DevInfo, Final (DM Protocol §8.3). */
  start(): OutgoingMessage {
    return this.package1([]);
  }

  private package1(statuses: StatusCommand[]): OutgoingMessage {
    const cmds: DmCommand[] = [...statuses];
    cmds.push({
      kind: 'Alert',
      cmdId: '',
      data: this.initiator === 'server' ? '1200' : '1201',
      items: [],
    });
    cmds.push({
      kind: 'Replace',
      cmdId: '',
      meta: { format: 'chr', type: 'text/plain' },
      items: Object.entries(this.cfg.devInfo).map(([k, v]) => ({
        source: { locURI: `./DevInfo/${k}` },
        data: v,
      })),
    });
    for (const a of this.extraAlerts) cmds.push({ ...a, cmdId: '' });
    return this.message(cmds, true);
  }

  private header(): DmMessage['header'] {
    const h: DmMessage['header'] = {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: this.sessionId,
      msgId: String(++this.msgId),
      target: { locURI: this.url },
      source: { locURI: this.cfg.devId, locName: this.cfg.clientName },
      meta: {
        maxMsgSize: this.cfg.maxMsgSize,
        ...(this.cfg.maxObjSize ? { maxObjSize: this.cfg.maxObjSize } : {}),
      },
    };
    if (
      !this.log.authenticated &&
      (this.cfg.clientAuth === 'basic' || this.cfg.clientAuth === 'md5')
    ) {
      h.cred = {
        meta: { type: AUTH_TYPE[this.cfg.clientAuth], format: 'b64' },
        data:
          this.cfg.clientAuth === 'basic'
            ? basicCredential(this.cfg.clientName, this.cfg.clientPassword)
            : md5Credential(
                this.cfg.clientName,
                this.cfg.clientPassword,
                Buffer.from(this.nonces.client, 'base64'),
              ),
      };
    }
    return h;
  }

  private message(cmds: DmCommand[], final: boolean): OutgoingMessage {
    this.issueNonce?.();
    this.issueNonce = undefined;
    let id = 1;
    const number = (c: DmCommand): DmCommand => {
      const out = { ...c, cmdId: String(id++) } as DmCommand;
      if (out.kind === 'Atomic' || out.kind === 'Sequence')
        out.commands = (c as ContainerCommand).commands.map(number);
      return out;
    };
    const msg: DmMessage = {
      version: '1.2',
      header: this.header(),
      commands: cmds.map(number),
      final,
    };
    const body = encodeDmMessage(msg, this.cfg.encoding);
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE[this.cfg.encoding] };
    if (this.cfg.clientAuth === 'hmac') {
      const mac = hmacDigest(
        this.cfg.clientName,
        this.cfg.clientPassword,
        Buffer.from(this.nonces.client, 'base64'),
        body,
      );
      headers['x-syncml-hmac'] = formatHmacHeader({ username: this.cfg.clientName, mac });
    }
    this.log.messages++;
    return { url: this.url, body, headers };
  }

  private freshNonce(): string {
    return randomBytes(16).toString('base64');
  }

  /** Turns one server message into the next client message; undefined when the session is over. */
  onReply(
    body: Uint8Array,
    headers: Record<string, string | string[] | undefined>,
  ): OutgoingMessage | undefined {
    const msg = decodeDmMessage(body, this.cfg.encoding);
    const h = msg.header;
    if (h.respURI) this.url = h.respURI;
    if (h.meta?.maxMsgSize) this.serverMaxMsgSize = h.meta.maxMsgSize;
    const ref = h.msgId;

    // 1. What the server says about our header: challenges restart package 1.
    const hdrStatus = msg.commands.find(
      (c): c is StatusCommand => c.kind === 'Status' && c.cmdRef === '0',
    );
    if (hdrStatus?.chal?.meta.nextNonce) this.nonces.client = hdrStatus.chal.meta.nextNonce;
    const code = hdrStatus ? Number(hdrStatus.data) : 200;

    // 2. Is the server who it claims to be? (DM Security §5.1: the client may check server creds)
    const serverVerdict = this.checkServer(msg, body, headers);
    const statuses: StatusCommand[] = [];
    const hdrReply: StatusCommand = {
      kind: 'Status',
      cmdId: '',
      msgRef: ref,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [h.target.locURI],
      sourceRefs: [h.source.locURI],
      data: String(serverVerdict.status),
    };
    if (serverVerdict.nextNonce)
      hdrReply.chal = {
        meta: {
          type: AUTH_TYPE[this.cfg.serverAuth === 'none' ? 'md5' : (this.cfg.serverAuth as 'md5')],
          format: 'b64',
          nextNonce: serverVerdict.nextNonce,
        },
      };

    if (code === 401 || code === 407) {
      // No challenge means no second chance (the server closed the session).
      if (!hdrStatus?.chal || ++this.authRounds > MAX_AUTH_ROUNDS) {
        this.log.ended = 'auth-failed';
        return undefined;
      }
      return this.package1([hdrReply]);
    }
    if (code === 212) this.log.authenticated = true;
    statuses.push(hdrReply);

    const commands = msg.commands.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
    if (!serverVerdict.ok) {
      if (++this.serverAuthRounds > MAX_AUTH_ROUNDS) {
        this.log.ended = 'server-auth-failed';
        return undefined;
      }
      for (const c of commands) statuses.push(this.status(ref, c, serverVerdict.status));
      return this.message(statuses, true);
    }
    this.log.serverAuthenticated = true;

    // 3. Statuses for our Results chunks: 213 -> send the next chunk.
    const chunkAck = msg.commands.some((c) => c.kind === 'Status' && c.data === '213');
    const alerts = msg.commands.filter((c): c is AlertCommand => c.kind === 'Alert');
    if (alerts.some((a) => a.data === '1223')) {
      this.log.ended = 'aborted';
      return undefined;
    }

    // 4. Execute.
    const out: DmCommand[] = [...statuses];
    for (const c of commands) this.execute(ref, c, out);

    if (this.outgoingChunks.length && (chunkAck || alerts.some((a) => a.data === '1222'))) {
      out.push(this.outgoingChunks.shift()!);
      return this.message(out, this.outgoingChunks.length === 0 && msg.final);
    }
    const onlyStatus = commands.length === 0;
    if (onlyStatus && msg.final && !this.incoming) {
      this.log.ended = 'completed';
      return undefined;
    }
    if (!msg.final) {
      // The server's package continues (or it sends a large object): ask for its next message.
      out.push({ kind: 'Alert', cmdId: '', data: '1222', items: [] });
      return this.message(out, false);
    }
    return this.splitResults(out);
  }

  /** Results larger than the server accepts go out as a large object (MoreData chunks). */
  private splitResults(out: DmCommand[]): OutgoingMessage {
    const limit = this.serverMaxMsgSize;
    if (!limit) return this.message(out, true);
    const probe = this.message(out, true);
    if (probe.body.length <= limit) return probe;
    this.msgId--;
    this.log.messages--;
    const i = out.findIndex(
      (c) =>
        c.kind === 'Results' &&
        (c as ResultsCommand).items.some(
          (it) => typeof it.data === 'string' && it.data.length > 256,
        ),
    );
    if (i < 0) return probe;
    const res = out[i] as ResultsCommand;
    const item = res.items[0];
    const data = Buffer.from(item.data as string, 'utf8');
    const room = Math.max(64, limit - (probe.body.length - data.length) - 64);
    const chunks: ResultsCommand[] = [];
    for (let off = 0; off < data.length; off += room) {
      let end = Math.min(data.length, off + room);
      while (end < data.length && (data[end] & 0xc0) === 0x80) end--;
      const piece: DmItem = { ...item, data: data.subarray(off, end).toString('utf8') };
      if (off === 0) piece.meta = { ...(item.meta ?? {}), size: data.length };
      else if (piece.meta) piece.meta = { ...piece.meta, size: undefined };
      if (piece.meta && piece.meta.size === undefined) delete piece.meta.size;
      if (end < data.length) piece.moreData = true;
      chunks.push({ ...res, items: [piece] });
      off = end - room;
    }
    out[i] = chunks.shift()!;
    this.outgoingChunks = chunks;
    return this.message(out, chunks.length === 0);
  }

  private checkServer(
    msg: DmMessage,
    body: Uint8Array,
    headers: Record<string, string | string[] | undefined>,
  ): { ok: boolean; status: number; nextNonce?: string } {
    const mode = this.cfg.serverAuth;
    if (mode === 'none' || this.log.serverAuthenticated) return { ok: true, status: 200 };
    const serverName = msg.header.source.locName ?? this.cfg.serverId;
    const candidates = acceptedServerNonces(this.nonces);
    // A new nonce is issued with every verdict (DM Security: a fresh nonce per session). The one
    // the server just proved stays accepted until it proves the new one.
    // Stored only when the message carrying it is built (not when the session ends unanswered).
    const rotate = (proven?: string): string => {
      const next = this.freshNonce();
      this.issueNonce = () => {
        this.nonces.serverPrevious = proven ?? this.nonces.serverPrevious ?? this.nonces.server;
        this.nonces.server = next;
      };
      return next;
    };
    const verify = (matches: (nonce: Buffer) => boolean) => {
      const proven = candidates.find((c) => matches(Buffer.from(c, 'base64')));
      return proven === undefined
        ? { ok: false, status: 401, nextNonce: rotate() }
        : { ok: true, status: 212, nextNonce: rotate(proven) };
    };
    if (mode === 'hmac') {
      const raw = headers['x-syncml-hmac'];
      if (!raw) return { ok: false, status: 407, nextNonce: rotate() };
      let mac: string;
      try {
        mac = parseHmacHeader(Array.isArray(raw) ? raw[0] : raw).mac;
      } catch {
        return { ok: false, status: 401, nextNonce: rotate() };
      }
      return verify((nonce) =>
        sameSecret(mac, hmacDigest(this.cfg.serverId, this.cfg.serverPassword, nonce, body)),
      );
    }
    const cred = msg.header.cred;
    if (!cred) return { ok: false, status: 407, nextNonce: rotate() };
    if (mode === 'basic') {
      return sameSecret(cred.data, basicCredential(serverName, this.cfg.serverPassword))
        ? { ok: true, status: 212, nextNonce: rotate(this.nonces.server) }
        : { ok: false, status: 401, nextNonce: rotate() };
    }
    return verify((nonce) =>
      sameSecret(cred.data, md5Credential(this.cfg.serverId, this.cfg.serverPassword, nonce)),
    );
  }

  private status(msgRef: string, c: DmCommand, code: number): StatusCommand {
    const s: StatusCommand = {
      kind: 'Status',
      cmdId: '',
      msgRef,
      cmdRef: c.cmdId,
      cmd: c.kind,
      data: String(code),
    };
    const target = isItemCommand(c) ? c.items[0]?.target : undefined;
    if (target) s.targetRefs = [target.locURI];
    return s;
  }

  private execute(msgRef: string, c: DmCommand, out: DmCommand[]): void {
    if (c.kind === 'Atomic') return this.atomic(msgRef, c, out);
    if (c.kind === 'Sequence') {
      out.push(this.status(msgRef, c, 200));
      for (const inner of c.commands) this.execute(msgRef, inner, out);
      return;
    }
    if (c.kind === 'Alert') {
      // UI alerts: a headless handset "confirms" and "displays" at once (DM Protocol §8.6).
      const code = c.data === '1222' || (c.data && /^110[0-4]$/.test(c.data)) ? 200 : 406;
      out.push(this.status(msgRef, c, code));
      this.log.executed.push({ cmd: `Alert ${c.data}`, status: code });
      return;
    }
    if (!isItemCommand(c)) return;
    const { status, results } = this.runItemCommand(c);
    out.push(this.status(msgRef, c, status));
    if (results) out.push({ ...results, msgRef });
  }

  private atomic(msgRef: string, c: ContainerCommand, out: DmCommand[]): void {
    const snapshot = this.tree.snapshot();
    const inner: { cmd: DmCommand; status: number; results?: ResultsCommand }[] = [];
    for (const cmd of c.commands) {
      if (!isItemCommand(cmd)) {
        inner.push({ cmd, status: 406 });
        continue;
      }
      const r = this.runItemCommand(cmd);
      inner.push({ cmd, status: r.status, results: r.results });
    }
    const failed = inner.some((x) => x.status >= 300);
    if (failed) {
      // All or nothing (DM Protocol §6.6.1): undo, 216 for what had succeeded, 507 for the Atomic.
      this.tree.restore(snapshot);
      out.push(this.status(msgRef, c, 507));
      for (const x of inner) out.push(this.status(msgRef, x.cmd, x.status < 300 ? 216 : x.status));
    } else {
      out.push(this.status(msgRef, c, 200));
      for (const x of inner) {
        out.push(this.status(msgRef, x.cmd, x.status));
        if (x.results) out.push({ ...x.results, msgRef });
      }
    }
  }

  private runItemCommand(c: ItemCommand): { status: number; results?: ResultsCommand } {
    const item = c.items[0];
    const [uri, query] = (item?.target?.locURI ?? '').split('?', 2);
    const list = query?.startsWith('list=') ? query.slice(5) : undefined;
    const kind = c.kind as TreeCommand;
    let status = 200;
    let results: ResultsCommand | undefined;
    try {
      this.tree.checkAcl(uri, kind, this.cfg.serverId);
      const format = (item.meta?.format ?? c.meta?.format ?? 'chr') as NodeFormat;
      const type = item.meta?.type ?? c.meta?.type;
      let data = item.data;
      if (item.moreData || (this.incoming && this.incoming.uri === uri)) {
        const assembled = this.receiveChunk(uri, c, item);
        if (assembled === undefined) return { status: 213 };
        if (assembled === null) return { status: 424 };
        data = assembled;
      }
      switch (c.kind) {
        case 'Get': {
          if (list !== undefined) {
            if (list !== 'Struct' && list !== 'StructData') return { status: 406 };
            const node = this.tree.find(uri);
            if (!node) return { status: 404 };
            results = {
              kind: 'Results',
              cmdId: '',
              msgRef: '',
              cmdRef: c.cmdId,
              items: [
                {
                  source: { locURI: `${uri}?list=${list}` },
                  meta: { format: 'xml', type: TNDS_XML_TYPE },
                  data: buildTnds(node, uri, list),
                },
              ],
            };
            break;
          }
          const v = this.tree.get(uri);
          const isBin = v.value instanceof Uint8Array;
          const value =
            isBin && this.cfg.encoding === 'xml'
              ? Buffer.from(v.value as Uint8Array).toString('base64')
              : v.value;
          const meta = {
            format: isBin && this.cfg.encoding === 'xml' ? 'b64' : v.format,
            ...(v.type ? { type: v.type } : {}),
          };
          results = {
            kind: 'Results',
            cmdId: '',
            msgRef: '',
            cmdRef: c.cmdId,
            items: [{ source: { locURI: uri }, meta, data: value }],
          };
          break;
        }
        case 'Add':
          this.tree.add(uri, decodeValue(data, format), format === 'b64' ? 'bin' : format, type);
          break;
        case 'Replace':
          this.tree.replace(
            uri,
            decodeValue(data, format),
            format === 'b64' ? 'bin' : format,
            type,
          );
          break;
        case 'Delete':
          this.tree.delete(uri);
          break;
        case 'Exec':
          status = this.tree.exec(uri, typeof data === 'string' ? data : undefined);
          break;
        case 'Copy':
          this.tree.copy(uri, item.source?.locURI ?? '');
          break;
      }
    } catch (err) {
      if (!(err instanceof TreeError)) throw err;
      status = err.status;
    }
    this.log.executed.push({ cmd: c.kind, uri, status });
    return { status, results };
  }

  /** Large object from the server: undefined while chunks come, null on a size mismatch (424). */
  private receiveChunk(
    uri: string,
    c: ItemCommand,
    item: DmItem,
  ): string | Uint8Array | null | undefined {
    if (!this.incoming || this.incoming.uri !== uri)
      this.incoming = { uri, cmd: c, parts: [], size: item.meta?.size };
    if (item.data !== undefined) this.incoming.parts.push(item.data);
    if (item.moreData) return undefined;
    const inc = this.incoming;
    this.incoming = undefined;
    const binary = inc.parts.some((p) => p instanceof Uint8Array);
    const whole = binary
      ? Buffer.concat(
          inc.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
        )
      : inc.parts.join('');
    const size = typeof whole === 'string' ? Buffer.byteLength(whole, 'utf8') : whole.length;
    if (inc.size !== undefined && inc.size !== size) return null;
    return whole;
  }
}

function decodeValue(
  data: string | Uint8Array | undefined,
  format: NodeFormat,
): string | Uint8Array | undefined {
  if (format === 'b64' && typeof data === 'string') return Buffer.from(data, 'base64');
  return data;
}
