import { buildNotificationPackage0 } from '@dm-bridge/wap-push';
import { decodeDmMessage, type DmOperation, type StatusCommand } from '@dm-bridge/omadm';
import { DmHandset, type DmHandsetOptions } from '../../apps/simulator/src/dm-handset/dm-handset';
import type { OutgoingMessage } from '../../apps/simulator/src/dm-handset/dm-client-session';
import { DmHttpEndpoint } from '../../apps/gateway/src/dm/dm-http.endpoint';
import { startDmGateway, type DmGateway } from './support/gateway';
import { postRaw } from './support/http-post';
import {
  abandonAfterPackage1,
  provisionedHandset,
  type HandsetAccount,
} from './support/provisioned-handset';

/**
 * Whole OMA DM sessions over real HTTP: the in-process gateway (Redis state) against the simulated
 * handset with its management tree, in both encodings.
 */
let g: DmGateway;
let seq = 0;

beforeAll(async () => {
  g = await startDmGateway({ DM_MAX_MSG_SIZE: '8192' });
});
afterAll(async () => {
  await g?.close();
});

function handset(o: Partial<DmHandsetOptions> & HandsetAccount = {}) {
  return provisionedHandset(g, `IMEI:35${String(++seq).padStart(13, '0')}`, o);
}

const get = (id: string, uri: string): DmOperation => ({
  id,
  command: { kind: 'Get', items: [{ target: { locURI: uri } }] },
});
const replace = (id: string, uri: string, data: string): DmOperation => ({
  id,
  command: {
    kind: 'Replace',
    items: [{ target: { locURI: uri }, meta: { format: 'chr', type: 'text/plain' }, data }],
  },
});

describe.each(['wbxml', 'xml'] as const)('OMA DM session over HTTP (%s)', (encoding) => {
  it('client-initiated: package 1 with DevInfo, Get x3 + Replace x2, results recorded, tree changed', async () => {
    const h = await handset({ encoding });
    const dev = h.options.devId;
    await g.source.enqueue(
      dev,
      get('g1', './DevInfo/Mod'),
      get('g2', './DevDetail/SwV'),
      get('g3', './Vendor/dmbridge/sip'),
      replace('r1', './Vendor/dmbridge/sip/Registrar', 'sip2.example.net'),
      replace('r2', './DevInfo/Man', 'evil'),
    );
    const s = await h.runSession();
    expect(s).toMatchObject({ ended: 'completed', authenticated: true, messages: 2 });
    const results = await g.source.results(dev);
    expect(results).toEqual([
      {
        operationId: 'g1',
        status: 200,
        items: [{ uri: './DevInfo/Mod', format: 'chr', data: 'SimHandset' }],
      },
      {
        operationId: 'g2',
        status: 200,
        items: [{ uri: './DevDetail/SwV', format: 'chr', data: '1.0.0' }],
      },
      {
        operationId: 'g3',
        status: 200,
        items: [{ uri: './Vendor/dmbridge/sip', format: 'node', data: 'Registrar/Port' }],
      },
      { operationId: 'r1', status: 200 },
      { operationId: 'r2', status: 425 },
    ]);
    expect(h.tree.get('./Vendor/dmbridge/sip/Registrar').value).toBe('sip2.example.net');
    const events = await g.source.events(dev);
    expect(events.find((e) => e.type === 'device-info')).toMatchObject({
      info: { devId: dev, man: 'dm-bridge', mod: 'SimHandset', dmV: '1.2', lang: 'en-US' },
    });
    expect(events.at(-1)).toMatchObject({
      type: 'session-ended',
      reason: 'completed',
      unfinished: [],
    });
    // The nonce was rotated: the account holds what the handset holds.
    expect((await g.store.account(dev))?.clientNonce).toBe(h.nonces.client);
  });

  it('server-initiated: a package #0 with the right digest starts Alert 1200 with its session id', async () => {
    const h = await handset({ encoding, serverAuth: 'md5' });
    const dev = h.options.devId;
    await g.source.enqueue(dev, get('g', './DevDetail/HwV'));
    await g.store.recordNotification(dev, '1A2B', 60_000);
    const pkg0 = buildNotificationPackage0({
      sessionId: 0x1a2b,
      serverId: 'gw.example',
      serverPassword: 'secret',
      uiMode: 'background',
    });
    const bad = buildNotificationPackage0({
      sessionId: 0x1a2b,
      serverId: 'gw.example',
      serverPassword: 'wrong',
    });
    expect(h.onNotification(bad)).toBeUndefined();
    expect(h.rejectedNotifications[0]).toMatch(/digest/);
    const s = await h.onNotification(pkg0)!;
    expect(s).toMatchObject({
      initiator: 'server',
      sessionId: '1A2B',
      ended: 'completed',
      serverAuthenticated: true,
    });
    const events = await g.source.events(dev);
    expect(events[0]).toEqual({
      type: 'session-started',
      deviceId: dev,
      sessionId: '1A2B',
      initiator: 'server',
      notificationMatched: true,
    });
    expect(await g.source.results(dev)).toEqual([
      {
        operationId: 'g',
        status: 200,
        items: [{ uri: './DevDetail/HwV', format: 'chr', data: 'rev-a' }],
      },
    ]);
    // The handset issued the server a new nonce (212 + Chal); the gateway stored it for the next package #0.
    expect((await g.store.account(dev))?.serverNonce).toBe(h.nonces.server);
  });

  it('HMAC both ways: every message signed, the server verified by its x-syncml-hmac', async () => {
    const h = await handset({ encoding, clientAuth: 'hmac', serverAuth: 'hmac' });
    await g.source.enqueue(
      h.options.devId,
      get('g', './DevInfo/Lang'),
      replace('r', './Vendor/dmbridge/sip/Port', '5061'),
    );
    const s = await h.runSession();
    // The first message uses the empty nonce of a fresh account and is challenged; then in.
    expect(s).toMatchObject({ ended: 'completed', authenticated: true, serverAuthenticated: true });
    expect((await g.source.results(h.options.devId)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('multi-message package: a small MaxMsgSize splits the commands, Alert 1222 continues', async () => {
    const h = await handset({ encoding, maxMsgSize: 1500 });
    const ops = Array.from({ length: 30 }, (_, i) =>
      replace(`r${i}`, './Vendor/dmbridge/sip/Registrar', `host-${i}.example.net`),
    );
    await g.source.enqueue(h.options.devId, ...ops);
    const s = await h.runSession();
    expect(s.ended).toBe('completed');
    expect(s.messages).toBeGreaterThan(3);
    const results = await g.source.results(h.options.devId);
    expect(results.map((r) => r.operationId)).toEqual(ops.map((o) => o.id));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(h.tree.get('./Vendor/dmbridge/sip/Registrar').value).toBe('host-29.example.net');
  });

  it('large objects both ways: a 20 KB Replace in chunks, a 20 KB Get result in chunks', async () => {
    const h = await handset({ encoding, maxMsgSize: 4096 });
    const big = 'x'.repeat(20_000) + 'ü'.repeat(100);
    await g.source.enqueue(h.options.devId, replace('lo', './Vendor/dmbridge/sip/Registrar', big));
    const s1 = await h.runSession();
    expect(s1.ended).toBe('completed');
    expect(s1.messages).toBeGreaterThan(5);
    expect(h.tree.get('./Vendor/dmbridge/sip/Registrar').value).toBe(big);
    expect(await g.source.results(h.options.devId)).toEqual([{ operationId: 'lo', status: 200 }]);

    await g.source.enqueue(h.options.devId, get('back', './Vendor/dmbridge/sip/Registrar'));
    const s2 = await h.runSession();
    expect(s2.ended).toBe('completed');
    expect(s2.messages).toBeGreaterThan(2);
    const back = (await g.source.results(h.options.devId))[1];
    expect(back).toMatchObject({ operationId: 'back', status: 200 });
    expect(back.items?.[0].data).toBe(big);
  });

  it('every command: Add, Copy, Exec, Delete, Sequence, UI Alert, Get of a missing node', async () => {
    const h = await handset({ encoding });
    const dev = h.options.devId;
    const item = (uri: string, data?: string) => ({
      target: { locURI: uri },
      meta: { format: 'chr' },
      ...(data !== undefined ? { data } : {}),
    });
    await g.source.enqueue(
      dev,
      { id: 'add', command: { kind: 'Add', items: [item('./Vendor/dmbridge/apn', 'internet')] } },
      { id: 'add-again', command: { kind: 'Add', items: [item('./Vendor/dmbridge/apn', 'x')] } },
      {
        id: 'copy',
        command: {
          kind: 'Copy',
          items: [
            {
              target: { locURI: './Vendor/dmbridge/apn2' },
              source: { locURI: './Vendor/dmbridge/apn' },
            },
          ],
        },
      },
      {
        id: 'exec',
        command: {
          kind: 'Exec',
          correlator: 'c-1',
          items: [{ target: { locURI: './Vendor/dmbridge/Reboot' } }],
        },
      },
      {
        id: 'delete',
        command: { kind: 'Delete', items: [{ target: { locURI: './Vendor/dmbridge/apn' } }] },
      },
      {
        id: 'seq',
        command: {
          kind: 'Sequence',
          commands: [
            { kind: 'Replace', items: [item('./Vendor/dmbridge/sip/Port', '5070')] },
            { kind: 'Get', items: [{ target: { locURI: './Vendor/dmbridge/sip/Port' } }] },
          ],
        },
      },
      {
        id: 'ui',
        command: {
          kind: 'Alert',
          data: '1100',
          items: [{ data: 'MINDT=1' }, { data: 'Configuration updated' }],
        },
      },
      get('missing', './Vendor/nothing'),
      get('secret', './DMAcc/srv/AppAuth/cl/AAuthSecret'),
    );
    const s = await h.runSession();
    expect(s.ended).toBe('completed');
    const results = await g.source.results(dev);
    expect(results.map((r) => `${r.operationId}:${r.status}`)).toEqual([
      'add:200',
      'add-again:418',
      'copy:200',
      'exec:200',
      'delete:200',
      'seq:200',
      'ui:200',
      'missing:404',
      'secret:425',
    ]);
    expect(results.find((r) => r.operationId === 'seq')?.inner).toEqual([
      { status: 200 },
      { status: 200, items: [{ uri: './Vendor/dmbridge/sip/Port', format: 'chr', data: '5070' }] },
    ]);
    expect(h.tree.get('./Vendor/dmbridge/apn2').value).toBe('internet');
    expect(h.tree.find('./Vendor/dmbridge/apn')).toBeUndefined();
  });

  it('Atomic rolls back on the handset: 507, 216 for the undone Add, 404 for the failing Replace', async () => {
    const h = await handset({ encoding });
    await g.source.enqueue(h.options.devId, {
      id: 'atomic',
      command: {
        kind: 'Atomic',
        commands: [
          {
            kind: 'Add',
            items: [
              { target: { locURI: './Vendor/dmbridge/new' }, meta: { format: 'chr' }, data: 'n' },
            ],
          },
          {
            kind: 'Replace',
            items: [
              {
                target: { locURI: './Vendor/dmbridge/missing' },
                meta: { format: 'chr' },
                data: 'm',
              },
            ],
          },
        ],
      },
    });
    await h.runSession();
    expect(await g.source.results(h.options.devId)).toEqual([
      { operationId: 'atomic', status: 507, inner: [{ status: 216 }, { status: 404 }] },
    ]);
    expect(h.tree.find('./Vendor/dmbridge/new')).toBeUndefined();
  });
});

describe('OMA DM authentication and session edges over HTTP', () => {
  it('a wrong password is challenged and the session closed after the bounded attempts; ops stay queued', async () => {
    const h = await handset({ clientPassword: 'wrong' });
    await g.source.enqueue(h.options.devId, get('g', './DevInfo/Man'));
    const s = await h.runSession();
    expect(s.ended).toBe('auth-failed');
    const events = await g.source.events(h.options.devId);
    expect(events.filter((e) => e.type === 'auth-failed')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'session-ended', reason: 'auth-failed' });
    expect((await g.source.pending(h.options.devId)).map((o) => o.id)).toEqual(['g']);
    // Even the right password is locked out for a while now.
    const right = new DmHandset({ ...h.options, clientPassword: 'devpass' });
    expect((await right.runSession()).ended).toBe('auth-failed');
    expect((await g.source.events(h.options.devId)).at(-1)).toMatchObject({
      type: 'auth-failed',
      reason: expect.stringMatching(/^locked out: source \S+ is locked out after 3 failed/),
    });
  });

  it('a replayed package 1 is refused: its nonce was consumed', async () => {
    const h = await handset();
    let first: OutgoingMessage | undefined;
    await h.runSession({ transform: (m) => (first ??= m) });
    await h.runSession(); // the handset itself moves on with the nonce it was given
    const replay = await postRaw(g.dmUrl, first!.body, first!.headers);
    const m = decodeDmMessage(replay.body, 'wbxml');
    expect((m.commands[0] as StatusCommand).data).toBe('401');
  });

  it('a new session supersedes an open one; its unanswered operations go back to the queue', async () => {
    const h = await handset();
    const dev = h.options.devId;
    await g.source.enqueue(dev, get('a', './DevInfo/Man'), get('b', './DevInfo/Mod'));
    // Send package 1 by hand and never answer package 2 (the device "rebooted").
    let pkg1: OutgoingMessage | undefined;
    await expect(
      h.runSession({
        sessionId: '77',
        transform: (m) => {
          if (pkg1) throw new Error('device lost its session');
          return (pkg1 = m);
        },
      }),
    ).rejects.toThrow('device lost its session');
    expect(await g.source.pending(dev)).toEqual([]);
    const s = await h.runSession({ sessionId: '78' });
    expect(s.ended).toBe('completed');
    const events = await g.source.events(dev);
    expect(events.find((e) => e.type === 'session-ended')).toMatchObject({
      sessionId: '77',
      reason: 'superseded',
      unfinished: [{ id: 'a' }, { id: 'b' }],
    });
    expect((await g.source.pending(dev)).map((o) => o.id)).toEqual(['a', 'b']);
    // ...and the next session serves them.
    await h.runSession({ sessionId: '79' });
    expect((await g.source.results(dev)).map((r) => r.operationId)).toEqual(['a', 'b']);
  });
});

describe('OMA DM idle-session sweep', () => {
  it('closes a session whose device never came back and returns its operations to the queue', async () => {
    const h = await handset();
    const dev = h.options.devId;
    await g.source.enqueue(dev, get('lost', './DevInfo/Man'));
    await abandonAfterPackage1(h);
    const endpoint = g.gw.app.get(DmHttpEndpoint);
    expect(await endpoint.sweepIdleSessions(Date.now())).toBe(0); // not idle yet
    // Earlier tests of this file may have left sessions open too: at least this one is closed.
    expect(await endpoint.sweepIdleSessions(Date.now() + 130_000)).toBeGreaterThanOrEqual(1);
    expect((await g.source.pending(dev)).map((o) => o.id)).toEqual(['lost']);
    expect((await g.source.events(dev)).at(-1)).toMatchObject({
      type: 'session-ended',
      reason: 'timeout',
      unfinished: [{ id: 'lost' }],
    });
    expect(await endpoint.sweepIdleSessions(Date.now() + 130_000)).toBe(0);
    // The device comes back later: a fresh session serves the operation.
    await h.runSession();
    expect((await g.source.results(dev)).map((r) => r.operationId)).toEqual(['lost']);
  });
});

describe('OMA DM session timeout', () => {
  let g2: DmGateway;
  beforeAll(async () => {
    g2 = await startDmGateway({ DM_SESSION_TIMEOUT_MS: '1000', DM_PATH: '/sync' });
  });
  afterAll(async () => {
    await g2?.close();
  });

  it('an idle session is over: the next message gets 404 and the operations go back', async () => {
    const dev = 'IMEI:timeout-1';
    await g2.store.saveAccount({
      deviceId: dev,
      clientAuth: 'basic',
      clientName: 'dev',
      clientPassword: 'pw',
      clientNonce: '',
      serverAuth: 'none',
      serverName: 'gw',
      serverPassword: 'x',
      serverNonce: '',
    });
    await g2.source.enqueue(dev, get('late', './DevInfo/Man'));
    const h = new DmHandset({
      devId: dev,
      serverUrl: g2.dmUrl,
      serverId: 'gw',
      serverPassword: 'x',
      clientName: 'dev',
      clientPassword: 'pw',
      clientAuth: 'basic',
      encoding: 'xml',
    });
    expect(g2.dmUrl.endsWith('/sync')).toBe(true);
    let n = 0;
    let paused: OutgoingMessage | undefined;
    await expect(
      h.runSession({
        transform: (m) => {
          if (++n === 2) {
            paused = m;
            throw new Error('pause');
          }
          return m;
        },
      }),
    ).rejects.toThrow('pause');
    await new Promise((r) => setTimeout(r, 1100));
    // The device's package 3 arrives too late: 404, the session is closed and its work returns once.
    const late = await postRaw(paused!.url, paused!.body, paused!.headers);
    expect((decodeDmMessage(late.body, 'xml').commands[0] as StatusCommand).data).toBe('404');
    const again = await postRaw(paused!.url, paused!.body, paused!.headers);
    expect((decodeDmMessage(again.body, 'xml').commands[0] as StatusCommand).data).toBe('404');
    expect((await g2.source.pending(dev)).map((o) => o.id)).toEqual(['late']);
    const events = await g2.source.events(dev);
    expect(events.filter((e) => e.type === 'session-ended')).toEqual([
      expect.objectContaining({
        reason: 'timeout',
        unfinished: [expect.objectContaining({ id: 'late' })],
      }),
    ]);
    const s = await h.runSession();
    expect(s.ended).toBe('completed');
    expect((await g2.source.results(dev)).map((r) => r.operationId)).toEqual(['late']);
  });
});
