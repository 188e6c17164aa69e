import type { DmEncoding } from '../message/codec';
import type {
  AlertCommand,
  ContainerCommand,
  DmChal,
  DmCommand,
  DmCred,
  DmMessage,
  DmMeta,
  ItemCommand,
  StatusCommand,
  SyncHdr,
} from '../message/types';
import { STATUS } from './constants';
import type {
  DmOperation,
  DmOperationResult,
  DmServerCommand,
  DmSessionState,
  InflightCommand,
} from './types';

/**
 * Add/Replace with Meta Format (and Type when known) on every Item, as real servers write them:
 * embedded clients often read only item-level Meta. Command-level Format/Type move down to the
 * items (an item's own Meta wins); an item with data and no Format gets `chr` (`bin` for bytes).
 * A Type is written only when the operation gives one (a MIME type we would guess is noise).
 */
export function itemLevelMeta(c: Omit<ItemCommand, 'cmdId'>): Omit<ItemCommand, 'cmdId'> {
  const { format, type, ...rest } = c.meta ?? {};
  const items = c.items.map((item) => {
    if (item.data === undefined && !format && !type) return item;
    const meta: DmMeta = { ...item.meta };
    meta.format ??= format ?? (item.data instanceof Uint8Array ? 'bin' : 'chr');
    if (type !== undefined) meta.type ??= type;
    return { ...item, meta };
  });
  const out: Omit<ItemCommand, 'cmdId'> = { ...c, items };
  if (Object.keys(rest).length) out.meta = rest;
  else delete out.meta;
  return out;
}

/** JSON length times this bounds the encoded size (XML worst case: `&` -> `&amp;`, empty tags). */
const SIZE_BOUND_FACTOR = 6;
const SIZE_BOUND_SLACK = 1024;

/**
 * Assembles one server message: the header Status first, Statuses for the client's commands, then
 * new commands while they fit the client's MaxMsgSize (DM Protocol §9 multi-message, §10 large objects).
 */
export class ReplyBuilder {
  private nextCmdId = 1;
  private readonly statuses: DmCommand[] = [];
  private readonly commands: DmCommand[] = [];
  private readonly header: SyncHdr;
  private headerStatusCmd?: StatusCommand;
  /** the header Status's Chal came from announceNonce */
  private announced = false;
  sendingChunk = false;

  constructor(
    private readonly request: DmMessage,
    sessionId: string,
    private readonly serverMsgId: number,
    serverUri: string,
    respURI: string | undefined,
    serverMeta?: DmMeta,
  ) {
    const rh = request.header;
    this.header = {
      verDTD: request.version,
      verProto: request.version === '1.1' ? 'DM/1.1' : 'DM/1.2',
      sessionId,
      msgId: String(serverMsgId),
      target: { locURI: rh.source.locURI },
      source: { locURI: serverUri },
    };
    if (respURI) this.header.respURI = respURI;
    if (serverMeta) this.header.meta = serverMeta;
  }

  get commandCount(): number {
    return this.commands.length;
  }

  private id(): string {
    return String(this.nextCmdId++);
  }

  headerStatus(code: number, chal?: DmChal): void {
    const rh = this.request.header;
    const s: StatusCommand = {
      kind: 'Status',
      cmdId: this.id(),
      msgRef: rh.msgId,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [rh.target.locURI],
      sourceRefs: [rh.source.locURI],
      data: String(code),
    };
    if (chal) s.chal = chal;
    this.headerStatusCmd = s;
    this.statuses.push(s);
  }

  /** Puts a NextNonce on the header Status (nonce rotation on 200/212). */
  announceNonce(type: string, nonce: string): void {
    if (this.headerStatusCmd && !this.headerStatusCmd.chal) {
      this.headerStatusCmd.chal = { meta: { type, format: 'b64', nextNonce: nonce } };
      this.announced = true;
    }
  }

  /** Takes back the Chal of `announceNonce` when the message turned out to end the session. */
  withdrawNonce(): void {
    if (this.announced && this.headerStatusCmd) delete this.headerStatusCmd.chal;
    this.announced = false;
  }

  statusFor(cmd: DmCommand, code: number): void {
    if ('noResp' in cmd && cmd.noResp) return;
    const s: StatusCommand = {
      kind: 'Status',
      cmdId: this.id(),
      msgRef: this.request.header.msgId,
      cmdRef: cmd.cmdId,
      cmd: cmd.kind,
      data: String(code),
    };
    this.statuses.push(s);
    if (cmd.kind === 'Atomic' || cmd.kind === 'Sequence')
      for (const inner of cmd.commands) this.statusFor(inner, code);
  }

  alert(code: string): void {
    const a: AlertCommand = { kind: 'Alert', cmdId: this.id(), data: code, items: [] };
    this.statuses.push(a);
  }

  cred(cred: DmCred, locName: string): void {
    this.header.cred = cred;
    this.header.source.locName = locName;
  }

  build(final: boolean): DmMessage {
    return {
      version: this.request.version,
      header: this.header,
      commands: [...this.statuses, ...this.commands],
      final,
    };
  }

  /**
   * Adds queued operations (or the next chunk of a large object) while they fit. Returns true when
   * commands are left for a further message of this package.
   */
  fill(
    state: DmSessionState,
    encoding: DmEncoding,
    measure: (m: DmMessage) => number,
    fail: (opId: string, result: DmOperationResult) => void,
  ): boolean {
    const limit = state.clientMaxMsgSize ?? Number.POSITIVE_INFINITY;
    state.sentOps ??= {};
    if (state.outgoing) {
      this.nextChunk(state, limit, measure);
      return state.queue.length > 0;
    }
    if (!state.queue.length) return false;
    // Fast path: a generous bound on the encoded size says everything fits, no trial encoding.
    if (Number.isFinite(limit)) {
      const bound = JSON.stringify(this.build(true)).length + JSON.stringify(state.queue).length;
      if (bound * SIZE_BOUND_FACTOR + SIZE_BOUND_SLACK > limit)
        return this.fillMeasured(state, encoding, limit, measure, fail);
    }
    for (const op of state.queue) this.send(state, op, this.materialize(op.command));
    state.queue = [];
    return false;
  }

  private fillMeasured(
    state: DmSessionState,
    encoding: DmEncoding,
    limit: number,
    measure: (m: DmMessage) => number,
    fail: (opId: string, result: DmOperationResult) => void,
  ): boolean {
    // A message that continues the server's package carries no Cred or Chal: what does not fit
    // a first message may fit there. Deferring once (never twice) keeps the session moving.
    const mayDefer = !state.serverPackageOpen;
    while (state.queue.length) {
      const op = state.queue[0];
      const mark = this.nextCmdId;
      const cmd = this.materialize(op.command);
      this.commands.push(cmd);
      const fits = measure(this.build(true)) <= limit;
      this.commands.pop();
      if (fits) {
        state.queue.shift();
        this.send(state, op, cmd);
        continue;
      }
      this.nextCmdId = mark;
      if (this.commands.length > 0) return true;
      state.queue.shift();
      if (this.startLargeObject(state, op, encoding, limit, measure)) return state.queue.length > 0;
      if (mayDefer) {
        state.queue.unshift(op);
        return true;
      }
      fail(op.id, { operationId: op.id, status: STATUS.TOO_LARGE });
    }
    return false;
  }

  private materialize(c: DmServerCommand): DmCommand {
    const cmdId = this.id();
    if (c.kind === 'Add' || c.kind === 'Replace') return { ...itemLevelMeta(c), cmdId };
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      const inner = (c as { commands: DmServerCommand[] }).commands.map((x) => this.materialize(x));
      return {
        ...(c as Omit<ContainerCommand, 'cmdId' | 'commands'>),
        cmdId,
        commands: inner,
      } as ContainerCommand;
    }
    return { ...c, cmdId } as DmCommand;
  }

  private send(state: DmSessionState, op: DmOperation, cmd: DmCommand): void {
    this.commands.push(cmd);
    state.sentOps![op.id] = op;
    const key = `${this.serverMsgId}:${cmd.cmdId}`;
    const entry: InflightCommand = { opId: op.id, kind: cmd.kind };
    if (cmd.kind === 'Atomic' || cmd.kind === 'Sequence') {
      entry.innerCount = cmd.commands.length;
      entry.innerStatus = [];
      cmd.commands.forEach((inner, index) => {
        state.inflight[`${this.serverMsgId}:${inner.cmdId}`] = {
          opId: op.id,
          kind: inner.kind,
          parent: key,
          index,
        };
      });
    }
    state.inflight[key] = entry;
  }

  private startLargeObject(
    state: DmSessionState,
    op: DmOperation,
    encoding: DmEncoding,
    limit: number,
    measure: (m: DmMessage) => number,
  ): boolean {
    if (op.command.kind !== 'Replace' && op.command.kind !== 'Add') return false;
    const c = itemLevelMeta(op.command);
    if (c.items.length !== 1) return false;
    const item = (c as ItemCommand).items[0];
    if (item.data === undefined) return false;
    let payload: Buffer;
    let binary = false;
    const meta: DmMeta = { ...(c.meta ?? {}), ...(item.meta ?? {}) };
    if (typeof item.data === 'string') payload = Buffer.from(item.data, 'utf8');
    else if (encoding === 'wbxml') {
      payload = Buffer.from(item.data);
      binary = true;
    } else {
      // XML cannot carry bytes: the object travels as base64 text and its size is that text's.
      payload = Buffer.from(Buffer.from(item.data).toString('base64'), 'ascii');
      meta.format = 'b64';
    }
    if (state.clientMaxObjSize !== undefined && payload.length > state.clientMaxObjSize)
      return false;
    const template = { ...(c as Omit<ItemCommand, 'cmdId'>), items: [{ ...item, meta }] };
    state.outgoing = {
      opId: op.id,
      command: template,
      payloadB64: payload.toString('base64'),
      binary,
      offset: 0,
      total: payload.length,
    };
    state.sentOps![op.id] = op;
    if (!this.nextChunk(state, limit, measure)) {
      state.outgoing = undefined;
      return false;
    }
    return true;
  }

  /** Sends the next piece of the outgoing object: MoreData on all but the last, Size on the first. */
  private nextChunk(
    state: DmSessionState,
    limit: number,
    measure: (m: DmMessage) => number,
  ): boolean {
    const out = state.outgoing!;
    const payload = Buffer.from(out.payloadB64, 'base64');
    const first = out.offset === 0;
    const base = out.command.items[0];
    const meta: DmMeta = { ...(base.meta ?? {}) };
    if (first) meta.size = out.total;
    else delete meta.size;
    const cmdId = this.id();
    const probe: ItemCommand = {
      ...out.command,
      cmdId,
      items: [{ ...base, meta, data: out.binary ? new Uint8Array(0) : '', moreData: true }],
    };
    this.commands.push(probe);
    const overhead = Number.isFinite(limit) ? measure(this.build(false)) : 0;
    this.commands.pop();
    const room = Number.isFinite(limit) ? limit - overhead - 8 : payload.length;
    if (room <= 0) return false;
    let end = Math.min(payload.length, out.offset + room);
    if (!out.binary)
      while (end < payload.length && end > out.offset && (payload[end] & 0xc0) === 0x80) end--;
    const slice = payload.subarray(out.offset, end);
    const last = end >= payload.length;
    const item = {
      ...base,
      meta,
      data: out.binary ? new Uint8Array(slice) : slice.toString('utf8'),
    } as ItemCommand['items'][0];
    if (!last) item.moreData = true;
    else delete item.moreData;
    const cmd: ItemCommand = { ...out.command, cmdId, items: [item] };
    this.commands.push(cmd);
    const key = `${this.serverMsgId}:${cmdId}`;
    if (last) {
      state.inflight[key] = { opId: out.opId, kind: out.command.kind };
      state.outgoing = undefined;
    } else {
      state.inflight[key] = { opId: out.opId, kind: 'chunk' };
      out.offset = end;
      this.sendingChunk = true;
    }
    return true;
  }
}
