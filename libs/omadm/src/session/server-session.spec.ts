import { md5Credential } from '../auth/digest';
import { encodeDmMessage, type DmEncoding } from '../message/codec';
import type { DmCommand, DmCred, DmMessage, ItemCommand, StatusCommand } from '../message/types';
import { handleClientMessage, type DmMessageOutcome } from './server-session';
import {
  DEFAULT_DM_SERVER_CONFIG,
  type DmDeviceAccount,
  type DmOperation,
  type DmServerConfig,
  type DmSessionState,
} from './types';

const DEV = 'IMEI:490154203237518';
const NONCE16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const config: DmServerConfig = {
  ...DEFAULT_DM_SERVER_CONFIG,
  serverUri: 'https://dm.example.com/dm',
};
const baseAccount: DmDeviceAccount = {
  deviceId: DEV,
  clientAuth: 'md5',
  clientName: 'device1',
  clientPassword: 'devpass',
  clientNonce: NONCE16.toString('base64'),
  serverAuth: 'none',
  serverName: 'gw.example',
  serverPassword: 'secret',
  serverNonce: '',
};

function msg(
  msgId: number,
  commands: DmCommand[],
  o: { cred?: DmCred; final?: boolean; sessionId?: string; maxMsgSize?: number } = {},
): DmMessage {
  const m: DmMessage = {
    version: '1.2',
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: o.sessionId ?? '1234',
      msgId: String(msgId),
      target: { locURI: 'https://dm.example.com/dm' },
      source: { locURI: DEV, locName: 'device1' },
    },
    commands,
    final: o.final ?? true,
  };
  if (o.cred) m.header.cred = o.cred;
  if (o.maxMsgSize) m.header.meta = { maxMsgSize: o.maxMsgSize };
  return m;
}

const md5Cred = (nonce: Buffer): DmCred => ({
  meta: { type: 'syncml:auth-md5', format: 'b64' },
  data: md5Credential('device1', 'devpass', nonce),
});
const pkg1 = (
  msgId = 1,
  cred: DmCred | null = md5Cred(NONCE16),
  o: { sessionId?: string; maxMsgSize?: number } = {},
) =>
  msg(
    msgId,
    [
      { kind: 'Alert', cmdId: '1', data: '1201', items: [] },
      {
        kind: 'Replace',
        cmdId: '2',
        items: [
          { source: { locURI: './DevInfo/Man' }, meta: { format: 'chr' }, data: 'ExampleCorp' },
        ],
      },
    ],
    { cred: cred ?? undefined, ...o },
  );
const status = (
  msgRef: number,
  cmdRef: string,
  cmd: string,
  code: number,
  cmdId = cmdRef,
): StatusCommand => ({
  kind: 'Status',
  cmdId,
  msgRef: String(msgRef),
  cmdRef,
  cmd,
  data: String(code),
});

class Server {
  state?: DmSessionState;
  acct: DmDeviceAccount = { ...baseAccount };
  counter = 0;
  now = 1_000;
  encoding: DmEncoding = 'xml';
  cfg = config;

  send(m: DmMessage, pending?: DmOperation[]): DmMessageOutcome {
    const body = encodeDmMessage(m, this.encoding);
    const out = handleClientMessage(
      {
        now: this.now,
        state: this.state,
        account: this.acct,
        message: m,
        body,
        encoding: this.encoding,
        pending,
        random: (n) => Buffer.alloc(n, ++this.counter),
        measure: (x) => encodeDmMessage(x, this.encoding).length,
      },
      this.cfg,
    );
    if (out.kind === 'reply') {
      this.state = out.state;
      if (out.account?.clientNonce)
        this.acct = { ...this.acct, clientNonce: out.account.clientNonce };
    }
    return out;
  }

  reply(m: DmMessage, pending?: DmOperation[]) {
    const out = this.send(m, pending);
    if (out.kind !== 'reply') throw new Error(`not a reply: ${out.kind}`);
    return out;
  }
}

const GETS: DmOperation[] = [
  { id: 'g1', command: { kind: 'Get', items: [{ target: { locURI: './DevDetail/SwV' } }] } },
  {
    id: 'r1',
    command: {
      kind: 'Replace',
      items: [{ target: { locURI: './Vendor/x' }, meta: { format: 'chr' }, data: 'v' }],
    },
  },
];

describe('DM server engine (DM Protocol 1.2 §8, Security §5)', () => {
  it('package 1 with MD5 (vector creds) -> 212 + rotated nonce + commands; package 3 -> results and the end', () => {
    const s = new Server();
    const o2 = s.reply(pkg1(), GETS);
    expect(o2.reply).toEqual({
      version: '1.2',
      header: {
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionId: '1234',
        msgId: '1',
        target: { locURI: DEV },
        source: { locURI: 'https://dm.example.com/dm' },
        meta: { maxMsgSize: 65536, maxObjSize: 1048576 },
      },
      commands: [
        {
          kind: 'Status',
          cmdId: '1',
          msgRef: '1',
          cmdRef: '0',
          cmd: 'SyncHdr',
          targetRefs: ['https://dm.example.com/dm'],
          sourceRefs: [DEV],
          data: '212',
          chal: {
            meta: {
              type: 'syncml:auth-md5',
              format: 'b64',
              nextNonce: Buffer.alloc(16, 1).toString('base64'),
            },
          },
        },
        { kind: 'Status', cmdId: '2', msgRef: '1', cmdRef: '1', cmd: 'Alert', data: '200' },
        { kind: 'Status', cmdId: '3', msgRef: '1', cmdRef: '2', cmd: 'Replace', data: '200' },
        { kind: 'Get', cmdId: '4', items: [{ target: { locURI: './DevDetail/SwV' } }] },
        {
          kind: 'Replace',
          cmdId: '5',
          items: [{ target: { locURI: './Vendor/x' }, meta: { format: 'chr' }, data: 'v' }],
        },
      ],
      final: true,
    });
    expect(o2.account).toEqual({ clientNonce: Buffer.alloc(16, 1).toString('base64') });
    expect(o2.claimed).toEqual(['g1', 'r1']);
    expect(o2.state).toMatchObject({
      phase: 'active',
      authenticated: true,
      lastClientMsgId: 1,
      serverMsgId: 1,
      queue: [],
      inflight: { '1:4': { opId: 'g1', kind: 'Get' }, '1:5': { opId: 'r1', kind: 'Replace' } },
    });

    const o4 = s.reply(
      msg(2, [
        status(1, '0', 'SyncHdr', 200, '1'),
        status(1, '4', 'Get', 200, '2'),
        {
          kind: 'Results',
          cmdId: '3',
          msgRef: '1',
          cmdRef: '4',
          items: [
            { source: { locURI: './DevDetail/SwV' }, meta: { format: 'chr' }, data: '1.0.7' },
          ],
        },
        status(1, '5', 'Replace', 200, '4'),
      ]),
    );
    expect(o4.events).toEqual([
      {
        type: 'operation-result',
        deviceId: DEV,
        result: {
          operationId: 'g1',
          status: 200,
          items: [{ uri: './DevDetail/SwV', format: 'chr', data: '1.0.7' }],
        },
      },
      { type: 'operation-result', deviceId: DEV, result: { operationId: 'r1', status: 200 } },
      {
        type: 'session-ended',
        deviceId: DEV,
        sessionId: '1234',
        reason: 'completed',
        unfinished: [],
      },
    ]);
    expect(o4.reply.commands).toEqual([
      {
        kind: 'Status',
        cmdId: '1',
        msgRef: '2',
        cmdRef: '0',
        cmd: 'SyncHdr',
        targetRefs: ['https://dm.example.com/dm'],
        sourceRefs: [DEV],
        data: '200',
      },
    ]);
    expect(o4.reply.final).toBe(true);
    expect(o4.state).toMatchObject({ phase: 'ended', inflight: {}, queue: [], sentOps: {} });
  });

  it('answers the same MsgID with the same bytes as a retransmission, and refuses an out-of-order MsgID', () => {
    const s = new Server();
    s.reply(pkg1(), GETS);
    expect(s.send(pkg1(), GETS)).toEqual({ kind: 'retransmission' });
    const o = s.send(msg(5, [status(1, '0', 'SyncHdr', 200)]));
    expect(o).toMatchObject({
      kind: 'refused',
      status: 400,
      reason: 'MsgID 5 out of order (expected 2)',
    });
  });

  it('challenges missing creds with 407 and wrong ones with 401, and closes after the bounded attempts', () => {
    const s = new Server();
    const o1 = s.reply(pkg1(1, null), GETS);
    expect(o1.reply.commands.map((c) => (c as StatusCommand).data)).toEqual(['407', '407', '407']);
    expect(o1.claimed).toEqual([]);
    const nonce1 = Buffer.alloc(16, 1);
    expect((o1.reply.commands[0] as StatusCommand).chal?.meta.nextNonce).toBe(
      nonce1.toString('base64'),
    );
    const o2 = s.reply(pkg1(2, md5Cred(NONCE16)), GETS); // old nonce: rejected
    expect((o2.reply.commands[0] as StatusCommand).data).toBe('401');
    const o3 = s.reply(pkg1(3, md5Cred(Buffer.from('bad'))), GETS);
    expect(o3.reply.commands[0] as StatusCommand).toMatchObject({ data: '401' });
    expect((o3.reply.commands[0] as StatusCommand).chal).toBeUndefined();
    expect(o3.state.phase).toBe('ended');
    expect(o3.events.map((e) => e.type)).toEqual(['auth-failed', 'session-ended']);
  });

  it('rejects a replayed package 1: the nonce is consumed by the first successful authentication', () => {
    const s = new Server();
    s.reply(pkg1(), []); // ends at once: no operations
    expect(s.state?.phase).toBe('ended');
    const replay = s.reply(pkg1(1, md5Cred(NONCE16), { sessionId: '1235' }), []);
    expect((replay.reply.commands[0] as StatusCommand).data).toBe('401');
    // The honest device retries with the nonce from the challenge and gets in.
    const nonce = Buffer.from(
      (replay.reply.commands[0] as StatusCommand).chal!.meta.nextNonce!,
      'base64',
    );
    const ok = s.reply(pkg1(2, md5Cred(nonce), { sessionId: '1235' }), []);
    expect((ok.reply.commands[0] as StatusCommand).data).toBe('212');
  });

  it('splits commands over messages by MaxMsgSize and continues on Alert 1222', () => {
    const s = new Server();
    const ops: DmOperation[] = Array.from({ length: 8 }, (_, i) => ({
      id: `op${i}`,
      command: {
        kind: 'Replace',
        items: [
          { target: { locURI: `./Vendor/n${i}` }, meta: { format: 'chr' }, data: 'x'.repeat(120) },
        ],
      },
    }));
    const o2 = s.reply(pkg1(1, md5Cred(NONCE16), { maxMsgSize: 1400 }), ops);
    const sent1 = o2.reply.commands.filter((c) => c.kind === 'Replace' && c.cmdId !== '3');
    expect(o2.reply.final).toBe(false);
    expect(encodeDmMessage(o2.reply, 'xml').length).toBeLessThanOrEqual(1400);
    expect(sent1.length).toBeGreaterThan(0);
    expect(sent1.length).toBeLessThan(8);
    expect(o2.state.serverPackageOpen).toBe(true);
    // The client answers with Status + 1222 and no Final; the server sends the rest.
    let reply = o2.reply;
    let sent = sent1;
    let total = sent1.length;
    let results = 0;
    for (let msgId = 2; !reply.final; msgId++) {
      const ref = Number(reply.header.msgId);
      const st = sent.map((c, i) => status(ref, c.cmdId, 'Replace', 200, String(i + 2)));
      const o = s.reply(
        msg(
          msgId,
          [
            status(ref, '0', 'SyncHdr', 200, '1'),
            ...st,
            { kind: 'Alert', cmdId: '99', data: '1222', items: [] },
          ],
          { final: false },
        ),
      );
      expect(encodeDmMessage(o.reply, 'xml').length).toBeLessThanOrEqual(1400);
      results += o.events.filter((e) => e.type === 'operation-result').length;
      reply = o.reply;
      sent = o.reply.commands.filter((c) => c.kind === 'Replace');
      expect(sent.length).toBeGreaterThan(0);
      total += sent.length;
    }
    expect(total).toBe(8);
    expect(results + sent.length).toBe(8);
  });

  it("asks for the client's next message with Alert 1222 when its package continues", () => {
    const s = new Server();
    const m = pkg1();
    m.final = false;
    const o = s.reply(m, GETS);
    expect(
      o.reply.commands.map(
        (c) => `${c.kind}:${c.kind === 'Alert' ? c.data : (c as StatusCommand).data}`,
      ),
    ).toEqual(['Status:212', 'Status:200', 'Status:200', 'Alert:1222']);
    expect(o.reply.final).toBe(false);
  });

  it('sends a large object in chunks (MoreData, Size in the first chunk) and receives one with a 424 check', () => {
    const s = new Server();
    const big = 'A'.repeat(3000);
    const op: DmOperation = {
      id: 'lo',
      command: {
        kind: 'Replace',
        items: [{ target: { locURI: './Vendor/blob' }, meta: { format: 'chr' }, data: big }],
      },
    };
    // room for header, Statuses with the Chal and the DOCTYPE (about 1.1 kB in XML), then chunks
    const o2 = s.reply(pkg1(1, md5Cred(NONCE16), { maxMsgSize: 1400 }), [op]);
    const chunk1 = o2.reply.commands.find((c) => c.kind === 'Replace')!;
    expect(chunk1).toMatchObject({
      items: [{ meta: { format: 'chr', size: 3000 }, moreData: true }],
    });
    expect(o2.reply.final).toBe(false);
    let got = (chunk1 as { items: { data: string }[] }).items[0].data;
    let msgId = 2;
    let last = chunk1;
    let reply = o2.reply;
    while ((last as { items: { moreData?: boolean }[] }).items[0].moreData) {
      const o = s.reply(
        msg(
          msgId,
          [
            status(Number(reply.header.msgId), '0', 'SyncHdr', 200, '1'),
            status(Number(reply.header.msgId), last.cmdId, 'Replace', 213, '2'),
            { kind: 'Alert', cmdId: '3', data: '1222', items: [] },
          ],
          { final: false },
        ),
      );
      msgId++;
      reply = o.reply;
      last = o.reply.commands.find((c) => c.kind === 'Replace')!;
      expect(
        (last as { items: { meta?: { size?: number } }[] }).items[0].meta?.size,
      ).toBeUndefined();
      got += (last as { items: { data: string }[] }).items[0].data;
    }
    expect(got).toBe(big);
    expect(reply.final).toBe(true);
    const done = s.reply(
      msg(msgId, [
        status(Number(reply.header.msgId), '0', 'SyncHdr', 200, '1'),
        status(Number(reply.header.msgId), last.cmdId, 'Replace', 200, '2'),
      ]),
    );
    expect(done.events[0]).toEqual({
      type: 'operation-result',
      deviceId: DEV,
      result: { operationId: 'lo', status: 200 },
    });

    // Incoming: a Get answered in two chunks whose total differs from Meta Size -> 424.
    const s2 = new Server();
    s2.reply(pkg1(), [
      { id: 'get', command: { kind: 'Get', items: [{ target: { locURI: './Vendor/blob' } }] } },
    ]);
    const r1 = s2.reply(
      msg(
        2,
        [
          status(1, '0', 'SyncHdr', 200, '1'),
          status(1, '4', 'Get', 200, '2'),
          {
            kind: 'Results',
            cmdId: '3',
            msgRef: '1',
            cmdRef: '4',
            items: [
              {
                source: { locURI: './Vendor/blob' },
                meta: { format: 'chr', size: 10 },
                data: 'abcd',
                moreData: true,
              },
            ],
          },
        ],
        { final: false },
      ),
    );
    expect(
      r1.reply.commands.map(
        (c) => `${c.kind}:${c.kind === 'Alert' ? c.data : (c as StatusCommand).data}`,
      ),
    ).toEqual(['Status:200', 'Status:213', 'Alert:1222']);
    const r2 = s2.reply(
      msg(3, [
        status(2, '0', 'SyncHdr', 200, '1'),
        {
          kind: 'Results',
          cmdId: '2',
          msgRef: '1',
          cmdRef: '4',
          items: [{ source: { locURI: './Vendor/blob' }, data: 'efg' }],
        },
      ]),
    );
    expect(r2.reply.commands.map((c) => (c as StatusCommand).data)).toEqual(['200', '424']);
    expect(r2.events[0]).toMatchObject({
      type: 'operation-result',
      result: { operationId: 'get', status: 424 },
    });
  });

  it('sends Atomic with its inner commands and maps their statuses', () => {
    const s = new Server();
    const op: DmOperation = {
      id: 'atom',
      command: {
        kind: 'Atomic',
        commands: [
          { kind: 'Add', items: [{ target: { locURI: './Vendor/a' }, data: '1' }] },
          { kind: 'Replace', items: [{ target: { locURI: './Vendor/missing' }, data: '2' }] },
        ],
      },
    };
    const o = s.reply(pkg1(), [op]);
    expect(o.reply.commands.slice(3)).toEqual([
      {
        kind: 'Atomic',
        cmdId: '4',
        commands: [
          // Format on every Item (chr when the operation named none)
          {
            kind: 'Add',
            cmdId: '5',
            items: [{ target: { locURI: './Vendor/a' }, meta: { format: 'chr' }, data: '1' }],
          },
          {
            kind: 'Replace',
            cmdId: '6',
            items: [{ target: { locURI: './Vendor/missing' }, meta: { format: 'chr' }, data: '2' }],
          },
        ],
      },
    ]);
    const r = s.reply(
      msg(2, [
        status(1, '0', 'SyncHdr', 200, '1'),
        status(1, '4', 'Atomic', 507, '2'),
        status(1, '5', 'Add', 216, '3'),
        status(1, '6', 'Replace', 404, '4'),
      ]),
    );
    expect(r.events[0]).toEqual({
      type: 'operation-result',
      deviceId: DEV,
      result: { operationId: 'atom', status: 507, inner: [{ status: 216 }, { status: 404 }] },
    });
  });

  it('ends on Alert 1223 and returns unanswered operations', () => {
    const s = new Server();
    s.reply(pkg1(), GETS);
    const r = s.reply(
      msg(2, [
        status(1, '0', 'SyncHdr', 200, '1'),
        { kind: 'Alert', cmdId: '2', data: '1223', items: [] },
      ]),
    );
    expect(r.reply.commands.map((c) => (c as StatusCommand).data)).toEqual(['200', '200']);
    expect(r.events.at(-1)).toEqual({
      type: 'session-ended',
      deviceId: DEV,
      sessionId: '1234',
      reason: 'aborted-by-client',
      unfinished: GETS,
    });
  });

  it('lets a new package 1 supersede an open session; its unanswered operations come back', () => {
    const s = new Server();
    s.reply(pkg1(), GETS);
    const nonce = Buffer.alloc(16, 1);
    const r = s.reply(pkg1(1, md5Cred(nonce), { sessionId: '99' }), []);
    expect(r.events[0]).toEqual({
      type: 'session-ended',
      deviceId: DEV,
      sessionId: '1234',
      reason: 'superseded',
      unfinished: GETS,
    });
    expect(r.state.sessionId).toBe('99');
  });

  it('closes a session idle beyond the timeout before a new package 1', () => {
    const s = new Server();
    s.reply(pkg1(), GETS);
    s.now += config.sessionTimeoutMs + 1;
    const r = s.send(msg(2, [status(1, '0', 'SyncHdr', 200, '1')]));
    expect(r).toMatchObject({
      kind: 'refused',
      status: 404,
      closed: { phase: 'ended', endReason: 'timeout', queue: [], inflight: {} },
    });
    expect((r as { events: unknown[] }).events[0]).toMatchObject({
      type: 'session-ended',
      reason: 'timeout',
      unfinished: GETS,
    });
  });

  it('refuses an unknown device and a message of no open session', () => {
    const s = new Server();
    s.acct = undefined as unknown as DmDeviceAccount;
    expect(s.send(pkg1())).toMatchObject({ kind: 'refused', status: 401 });
    const s2 = new Server();
    const r = s2.send(msg(3, [status(2, '0', 'SyncHdr', 200)]));
    expect(r).toMatchObject({ kind: 'refused', status: 404 });
    expect((r as { reply: DmMessage }).reply.commands).toEqual([
      {
        kind: 'Status',
        cmdId: '1',
        msgRef: '3',
        cmdRef: '0',
        cmd: 'SyncHdr',
        targetRefs: ['https://dm.example.com/dm'],
        sourceRefs: [DEV],
        data: '404',
      },
    ]);
  });

  it("sends the server's MD5 Cred until the device answers 212, re-hashing with the nonce it issues", () => {
    const s = new Server();
    s.acct = { ...s.acct, serverAuth: 'md5', serverNonce: NONCE16.toString('base64') };
    const o = s.reply(pkg1(), GETS);
    expect(o.reply.header.cred).toEqual({
      meta: { type: 'syncml:auth-md5', format: 'b64' },
      data: md5Credential('gw.example', 'secret', NONCE16),
    });
    expect(o.reply.header.source.locName).toBe('gw.example');
    const devNonce = Buffer.from('device-nonce');
    const chal = {
      meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: devNonce.toString('base64') },
    };
    const r = s.reply(
      msg(2, [
        { ...status(1, '0', 'SyncHdr', 401, '1'), chal },
        status(1, '4', 'Get', 401, '2'),
        status(1, '5', 'Replace', 401, '3'),
      ]),
    );
    expect(r.account).toEqual({ serverNonce: devNonce.toString('base64') });
    expect(r.reply.header.cred?.data).toBe(md5Credential('gw.example', 'secret', devNonce));
    // The refused commands are sent again rather than reported as failures.
    expect(r.events.filter((e) => e.type === 'operation-result')).toEqual([]);
    expect(r.reply.commands.filter((c) => c.kind !== 'Status').map((c) => c.kind)).toEqual([
      'Get',
      'Replace',
    ]);
  });
});

describe('DM server engine: a Chal after the last message (DM Security §5.1.1)', () => {
  const md5Chal = (nonce: Buffer) => ({
    meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: nonce.toString('base64') },
  });
  const basicCred = {
    meta: { type: 'syncml:auth-basic', format: 'b64' },
    data: Buffer.from('gw.example:secret').toString('base64'),
  };

  it('with nothing to do, the refused Cred is answered in the type the device asks for', () => {
    const s = new Server();
    s.acct = { ...s.acct, serverAuth: 'basic' };
    const first = s.reply(pkg1());
    expect(first.reply.header.cred).toEqual(basicCred);
    expect(first.state).toMatchObject({ phase: 'ended', endReason: 'completed' });
    const devNonce = Buffer.from('device-nonce');
    const again = s.reply(
      msg(2, [{ ...status(1, '0', 'SyncHdr', 401, '1'), chal: md5Chal(devNonce) }]),
    );
    expect(again.reply.header.cred).toEqual({
      meta: { type: 'syncml:auth-md5', format: 'b64' },
      data: md5Credential('gw.example', 'secret', devNonce),
    });
    expect(again.reply.final).toBe(true);
    expect(again.account).toEqual({ serverNonce: devNonce.toString('base64') });
    expect(again.events.map((e) => e.type)).toEqual(['server-auth-rejected', 'session-ended']);
    expect(again.state).toMatchObject({ phase: 'ended', endReason: 'completed' });
  });

  it('is not taken up again from another source, out of order, after the timeout, or without a refusal', () => {
    const refusal = (id: number) =>
      msg(id, [{ ...status(1, '0', 'SyncHdr', 401, '1'), chal: md5Chal(Buffer.from('n')) }]);
    const ended = () => {
      const s = new Server();
      s.acct = { ...s.acct, serverAuth: 'basic' };
      s.reply(pkg1());
      return s;
    };
    expect(ended().send(refusal(3))).toMatchObject({ kind: 'refused', status: 404 });
    const late = ended();
    late.now += config.sessionTimeoutMs + 1;
    expect(late.send(refusal(2))).toMatchObject({ kind: 'refused', status: 404 });
    expect(ended().send(msg(2, [status(1, '0', 'SyncHdr', 212, '1')]))).toMatchObject({
      kind: 'refused',
      status: 404,
    });
    const other = ended();
    const out = handleClientMessage(
      {
        now: other.now,
        state: other.state,
        account: other.acct,
        message: refusal(2),
        body: encodeDmMessage(refusal(2), 'xml'),
        encoding: 'xml',
        peer: '203.0.113.9',
        random: (n) => Buffer.alloc(n, 1),
        measure: (x) => encodeDmMessage(x, 'xml').length,
      },
      config,
    );
    expect(out).toMatchObject({ kind: 'refused', status: 404 });
  });
});

describe('DM server engine: lockout', () => {
  it('refuses new sessions for a while after one closed for failed authentication', () => {
    const s = new Server();
    const bad = (id: number) => pkg1(id, md5Cred(Buffer.from('x')));
    s.reply(bad(1));
    s.reply(bad(2));
    expect(s.reply(bad(3)).state).toMatchObject({ phase: 'ended', endReason: 'auth-failed' });
    expect(s.send(pkg1(1, md5Cred(NONCE16), { sessionId: '2' }))).toMatchObject({
      kind: 'refused',
      status: 401,
    });
    s.now += config.authLockoutMs;
    const nonce = Buffer.from(s.acct.clientNonce, 'base64');
    expect(s.send(pkg1(1, md5Cred(nonce), { sessionId: '3' }))).toMatchObject({ kind: 'reply' });
  });
});

describe('DM server engine: client large object and HMAC signing', () => {
  it('reassembles a DevInfo value the client sends in chunks (213 + 1222, then 200)', () => {
    const s = new Server();
    const chunk = (id: number, data: string, more: boolean, size?: number) =>
      msg(
        id,
        [
          ...(id === 1
            ? [{ kind: 'Alert', cmdId: '1', data: '1201', items: [] } as DmCommand]
            : [status(id - 1, '0', 'SyncHdr', 200, '1')]),
          {
            kind: 'Replace',
            cmdId: '2',
            items: [
              {
                source: { locURI: './DevInfo/Ext/Blob' },
                meta: { format: 'chr', ...(size ? { size } : {}) },
                data,
                ...(more ? { moreData: true } : {}),
              },
            ],
          },
        ],
        { cred: id === 1 ? md5Cred(NONCE16) : undefined, final: !more },
      );
    const r1 = s.reply(chunk(1, 'abc', true, 6));
    expect(
      r1.reply.commands.map(
        (c) => `${c.kind}:${c.kind === 'Alert' ? c.data : (c as StatusCommand).data}`,
      ),
    ).toEqual(['Status:212', 'Status:200', 'Status:213', 'Alert:1222']);
    const r2 = s.reply(chunk(2, 'def', false));
    expect(r2.reply.commands.map((c) => (c as StatusCommand).data)).toEqual(['200', '200']);
    expect(r2.events.find((e) => e.type === 'device-info')).toMatchObject({
      info: { nodes: { './DevInfo/Ext/Blob': 'abcdef' } },
    });
  });

  it('asks the adapter to sign replies for an HMAC server account, with LocName = server name', () => {
    const s = new Server();
    s.acct = { ...s.acct, serverAuth: 'hmac', serverNonce: 'AAEC' };
    const o = s.reply(pkg1(), GETS);
    expect(o.sign).toEqual({ username: 'gw.example', password: 'secret', nonce: 'AAEC' });
    expect(o.reply.header.source.locName).toBe('gw.example');
    expect(o.reply.header.cred).toBeUndefined();
  });
});

describe('DM server engine: bounded attempts cannot be reset', () => {
  it('keeps counting failures when the device restarts package 1 with MsgID 1', () => {
    const s = new Server();
    const bad = () => pkg1(1, md5Cred(Buffer.from('guess')));
    expect(s.reply(bad()).state.authFailures).toBe(1);
    expect(
      s.reply({ ...bad(), header: { ...bad().header, sessionId: '99' } }).state.authFailures,
    ).toBe(2);
    const third = s.reply({ ...bad(), header: { ...bad().header, sessionId: '98' } });
    expect(third.state).toMatchObject({
      phase: 'ended',
      endReason: 'auth-failed',
      authFailures: 3,
    });
  });
});

describe('DM server engine: set creates an absent node', () => {
  const SET: DmOperation = {
    id: 's1',
    addIfAbsent: true,
    command: {
      kind: 'Replace',
      items: [{ target: { locURI: './Vendor/new' }, meta: { format: 'chr' }, data: 'v' }],
    },
  };

  it('answers a 404 to Replace with an Add of the same item, and reports the Add status', () => {
    const s = new Server();
    const first = s.reply(pkg1(), [SET]);
    const replace = first.reply.commands.find((c) => c.kind === 'Replace')!;
    expect(replace).toBeDefined();
    const second = s.reply(
      msg(2, [status(1, '0', 'SyncHdr', 200, '1'), status(1, replace.cmdId, 'Replace', 404, '2')], {
        final: true,
      }),
    );
    const add = second.reply.commands.find((c) => c.kind === 'Add');
    expect(add).toMatchObject({
      kind: 'Add',
      items: [{ target: { locURI: './Vendor/new' }, data: 'v' }],
    });
    expect(second.events.filter((e) => e.type === 'operation-result')).toEqual([]);
    const third = s.reply(
      msg(3, [status(2, '0', 'SyncHdr', 200, '1'), status(2, add!.cmdId, 'Add', 200, '2')]),
    );
    expect(third.events.filter((e) => e.type === 'operation-result')).toEqual([
      { type: 'operation-result', deviceId: DEV, result: { operationId: 's1', status: 200 } },
    ]);
  });

  it('keeps a 404 as the result of a Replace that may not create the node', () => {
    const s = new Server();
    const { addIfAbsent: _, ...plain } = SET;
    const first = s.reply(pkg1(), [plain]);
    const replace = first.reply.commands.find((c) => c.kind === 'Replace')!;
    const second = s.reply(
      msg(2, [status(1, '0', 'SyncHdr', 200, '1'), status(1, replace.cmdId, 'Replace', 404, '2')]),
    );
    expect(second.reply.commands.some((c) => c.kind === 'Add')).toBe(false);
    expect(second.events.filter((e) => e.type === 'operation-result')).toEqual([
      { type: 'operation-result', deviceId: DEV, result: { operationId: 's1', status: 404 } },
    ]);
  });
});

describe('DM server engine: item-level Meta on Add/Replace', () => {
  it('moves command-level Format/Type to every Item, defaults Format to chr, keeps item Meta', () => {
    const s = new Server();
    const o = s.reply(pkg1(), [
      {
        id: 'a',
        command: {
          kind: 'Replace',
          meta: { format: 'int', type: 'text/plain' },
          items: [
            { target: { locURI: './Vendor/p' }, data: '5060' },
            { target: { locURI: './Vendor/q' }, meta: { format: 'chr' }, data: 'x' },
          ],
        },
      },
      {
        id: 'b',
        command: { kind: 'Add', items: [{ target: { locURI: './Vendor/r' }, data: 'y' }] },
      },
      {
        id: 'c',
        command: {
          kind: 'Add',
          items: [{ target: { locURI: './Vendor/dir' }, meta: { format: 'node' } }],
        },
      },
    ]);
    const sent = o.reply.commands.filter((c) => c.kind === 'Replace' || c.kind === 'Add');
    expect(
      sent.map((c) => ({
        kind: c.kind,
        meta: (c as ItemCommand).meta,
        items: (c as ItemCommand).items,
      })),
    ).toEqual([
      {
        kind: 'Replace',
        meta: undefined,
        items: [
          {
            target: { locURI: './Vendor/p' },
            meta: { format: 'int', type: 'text/plain' },
            data: '5060',
          },
          {
            target: { locURI: './Vendor/q' },
            meta: { format: 'chr', type: 'text/plain' },
            data: 'x',
          },
        ],
      },
      {
        kind: 'Add',
        meta: undefined,
        items: [{ target: { locURI: './Vendor/r' }, meta: { format: 'chr' }, data: 'y' }],
      },
      {
        kind: 'Add',
        meta: undefined,
        items: [{ target: { locURI: './Vendor/dir' }, meta: { format: 'node' } }],
      },
    ]);
    // and on the wire: Meta inside each Item, none at command level
    const xml = Buffer.from(encodeDmMessage(o.reply, 'xml')).toString('utf8');
    expect(xml).toContain(
      '<Replace><CmdID>4</CmdID><Item><Target><LocURI>./Vendor/p</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>5060</Data></Item>',
    );
  });
});
