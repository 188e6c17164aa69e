import { STUB_OPS } from '../../../../test/dm/support/captures';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeDmMessage, encodeDmMessage, type DmEncoding } from '../message/codec';
import type { DmMessage, StatusCommand } from '../message/types';
import { handleClientMessage, type DmMessageOutcome } from './server-session';
import {
  DEFAULT_DM_SERVER_CONFIG,
  type DmDeviceAccount,
  type DmOperation,
  type DmServerConfig,
  type DmSessionState,
} from './types';

/**
 * Replays the captured requests of two independent clients (Eclipse Koneki, Intel libdmclient;
 * shared/vectors/dmclient) through the engine. The engine's commands are numbered like the stub
 * server's, so the clients' Status/Results refer to the right operations.
 */
const DIR = resolve(__dirname, '../../../../../shared/vectors/dmclient');
const read = (p: string) => readFileSync(resolve(DIR, p));
const header = (p: string, name: string) =>
  read(p)
    .toString('utf8')
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name}:`))
    ?.slice(name.length + 1)
    .trim();

const STUB_NONCE = Buffer.from('\x01\x02\x03\x04nonce', 'latin1');
const config: DmServerConfig = {
  ...DEFAULT_DM_SERVER_CONFIG,
  serverUri: 'http://127.0.0.1:8080/funambol/dm',
};

function account(deviceId: string, scheme: DmDeviceAccount['clientAuth']): DmDeviceAccount {
  return {
    deviceId,
    clientAuth: scheme,
    clientName: 'funambol',
    clientPassword: 'funambol',
    clientNonce: Buffer.from('stale').toString('base64'),
    serverAuth: 'none',
    serverName: 'funambol',
    serverPassword: 'srvpwd',
    serverNonce: '',
  };
}

class Replay {
  state?: DmSessionState;
  nonces: Buffer[] = [];
  constructor(
    public acct: DmDeviceAccount,
    private readonly encoding: DmEncoding,
  ) {}

  step(
    body: Buffer,
    opts: { hmac?: string; pending?: DmOperation[] } = {},
  ): DmMessageOutcome & { kind: 'reply' } {
    const out = handleClientMessage(
      {
        now: 1000,
        state: this.state,
        account: this.acct,
        message: decodeDmMessage(body, this.encoding),
        body,
        encoding: this.encoding,
        hmacHeader: opts.hmac,
        respURI: 'http://127.0.0.1:8080/funambol/dm?s=1',
        pending: opts.pending,
        random: (n) => this.nonces.shift() ?? Buffer.alloc(n, 0xee),
        measure: (m: DmMessage) => encodeDmMessage(m, this.encoding).length,
      },
      config,
    );
    if (out.kind !== 'reply') throw new Error(`expected a reply, got ${out.kind}`);
    this.state = out.state;
    if (out.account?.clientNonce !== undefined)
      this.acct = { ...this.acct, clientNonce: out.account.clientNonce };
    return out;
  }
}

const statuses = (m: DmMessage) =>
  m.commands
    .filter((c): c is StatusCommand => c.kind === 'Status')
    .map((s) => `${s.cmdRef}:${s.cmd}:${s.data}`);
const kinds = (m: DmMessage) =>
  m.commands.filter((c) => c.kind !== 'Status').map((c) => `${c.cmdId}:${c.kind}`);

describe('engine replay: Koneki, XML + HMAC (koneki-02)', () => {
  const d = 'koneki-02-session-xml-hmac';
  it('challenges, authenticates with the issued nonce, accepts the empty-nonce HMAC in session, maps results', () => {
    const r = new Replay(account('IMEI:001004FF1234567', 'hmac'), 'xml');
    // req1 is signed with an empty nonce, but the account's nonce is another: challenge (401 + Chal).
    r.nonces.push(STUB_NONCE);
    const o1 = r.step(read(`${d}/req1.body.xml`), {
      hmac: header(`${d}/req1.http-headers.txt`, 'x-syncml-hmac'),
      pending: STUB_OPS,
    });
    expect(statuses(o1.reply)).toEqual(['0:SyncHdr:401', '1:Alert:401', '2:Replace:401']);
    expect((o1.reply.commands[0] as StatusCommand).chal).toEqual({
      meta: { type: 'syncml:auth-MAC', format: 'b64', nextNonce: 'AQIDBG5vbmNl' },
    });
    expect(o1.reply.final).toBe(true);
    expect(o1.claimed).toEqual([]);
    expect(o1.state).toMatchObject({
      phase: 'authenticating',
      authFailures: 1,
      clientNonce: 'AQIDBG5vbmNl',
      lastClientMsgId: 1,
    });

    // req2 restarts package 1 with the HMAC over the issued nonce: 212, the ten operations go out.
    const next = Buffer.from('fresh-nonce-0001');
    r.nonces.push(next);
    const o2 = r.step(read(`${d}/req2.body.xml`), {
      hmac: header(`${d}/req2.http-headers.txt`, 'x-syncml-hmac'),
      pending: STUB_OPS,
    });
    expect(statuses(o2.reply)).toEqual(
      ['0:SyncHdr:212', '1:SyncHdr:212', '2:Alert:200', '3:Replace:200'].filter(
        (s) => !s.startsWith('1:'),
      ),
    );
    expect(kinds(o2.reply)).toEqual([
      '4:Get',
      '5:Get',
      '6:Add',
      '7:Replace',
      '8:Get',
      '9:Delete',
      '10:Get',
      '11:Replace',
      '12:Exec',
      '13:Get',
    ]);
    expect((o2.reply.commands[0] as StatusCommand).chal?.meta.nextNonce).toBe(
      next.toString('base64'),
    );
    expect(o2.claimed).toEqual(STUB_OPS.map((o) => o.id));
    expect(o2.events.find((e) => e.type === 'device-info')).toEqual({
      type: 'device-info',
      deviceId: 'IMEI:001004FF1234567',
      info: {
        devId: 'IMEI:001004FF1234567',
        dmV: '1.2',
        lang: 'en-US',
        man: 'koneki-man',
        mod: 'koneki-mod',
        nodes: {
          './DevInfo/DevId': 'IMEI:001004FF1234567',
          './DevInfo/DmV': '1.2',
          './DevInfo/Lang': 'en-US',
          './DevInfo/Man': 'koneki-man',
          './DevInfo/Mod': 'koneki-mod',
        },
      },
    });

    // req3: Koneki signs with an EMPTY nonce after authenticating; accepted inside this session only.
    const o3 = r.step(read(`${d}/req3.body.xml`), {
      hmac: header(`${d}/req3.http-headers.txt`, 'x-syncml-hmac'),
    });
    const results = o3.events
      .filter((e) => e.type === 'operation-result')
      .map((e) => (e.type === 'operation-result' ? e.result : undefined));
    expect(results).toEqual([
      {
        operationId: 'get-man',
        status: 200,
        items: [{ uri: './DevInfo/Man', format: 'chr', type: 'text/plain', data: 'koneki-man' }],
      },
      { operationId: 'get-devinfo', status: 404 },
      { operationId: 'add', status: 200 },
      { operationId: 'replace', status: 200 },
      {
        operationId: 'get-leaf',
        status: 200,
        items: [
          { uri: './Vendor/memory/newleaf', format: 'chr', type: 'text/plain', data: 'world' },
        ],
      },
      { operationId: 'delete', status: 200 },
      { operationId: 'get-gone', status: 404 },
      { operationId: 'replace-man', status: 200 },
      { operationId: 'exec', status: 200 },
      { operationId: 'get-none', status: 404 },
    ]);
    // Nothing left and the client sent Final: the session ends with a Status-only message.
    expect(statuses(o3.reply)).toEqual(['0:SyncHdr:200']);
    expect(kinds(o3.reply)).toEqual([]);
    expect(o3.reply.final).toBe(true);
    expect(o3.state.phase).toBe('ended');
    expect(o3.events.at(-1)).toEqual({
      type: 'session-ended',
      deviceId: 'IMEI:001004FF1234567',
      sessionId: '1',
      reason: 'completed',
      unfinished: [],
    });
  });

  it('rejects an empty-nonce HMAC before the session authenticated', () => {
    const r = new Replay(account('IMEI:001004FF1234567', 'hmac'), 'xml');
    r.acct = { ...r.acct, clientNonce: 'AQIDBG5vbmNl' };
    const o = r.step(read(`${d}/req1.body.xml`), {
      hmac: header(`${d}/req1.http-headers.txt`, 'x-syncml-hmac'),
    });
    expect(statuses(o.reply)[0]).toBe('0:SyncHdr:401');
  });
});

describe('engine replay: libdmclient, WBXML, server challenges MD5 (libdmclient-05)', () => {
  const d = 'libdmclient-05-session-wbxml-server-challenges-md5';
  it('answers basic creds with a challenge, accepts MD5 over the raw nonce, records results and the 1226 alert', () => {
    const r = new Replay(account('DMCtest', 'md5'), 'wbxml');
    r.nonces.push(STUB_NONCE);
    const o1 = r.step(read(`${d}/req1.body.wbxml`), { pending: STUB_OPS });
    expect(statuses(o1.reply)).toEqual(['0:SyncHdr:401', '1:Alert:401', '2:Replace:401']);
    expect((o1.reply.commands[0] as StatusCommand).chal?.meta).toEqual({
      type: 'syncml:auth-md5',
      format: 'b64',
      nextNonce: 'AQIDBG5vbmNl',
    });

    const o2 = r.step(read(`${d}/req2.body.wbxml`), { pending: STUB_OPS });
    expect(statuses(o2.reply)).toEqual(['0:SyncHdr:212', '2:Alert:200', '3:Replace:200']);
    expect(kinds(o2.reply)).toHaveLength(10);
    expect(o2.reply.header.meta).toEqual({ maxMsgSize: 65536, maxObjSize: 1048576 });
    expect(o2.state.clientMaxMsgSize).toBe(16384);
    expect(o2.events.find((e) => e.type === 'device-info')).toMatchObject({
      info: { devId: 'DMCtest', man: 'test manufacturer', mod: 'test model' },
    });

    const o3 = r.step(read(`${d}/req3.body.wbxml`));
    expect(o3.events.find((e) => e.type === 'generic-alert')).toEqual({
      type: 'generic-alert',
      deviceId: 'DMCtest',
      alert: {
        code: 1226,
        items: [{ uri: './test/execute', format: 'text/plain', type: 'urn:test', data: '200' }],
      },
    });
    expect(o3.events.filter((e) => e.type === 'operation-result')).toHaveLength(10);
    expect(
      o3.events.find(
        (e) => e.type === 'operation-result' && e.result.operationId === 'replace-man',
      ),
    ).toMatchObject({ result: { status: 425 } });
    expect(statuses(o3.reply)).toEqual(['0:SyncHdr:200', '13:Alert:200']);
    expect(o3.state.phase).toBe('ended');
  });
});
