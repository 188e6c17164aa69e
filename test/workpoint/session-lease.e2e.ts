import { buildWorkpointMessage, parseDlsMessage, type WorkpointItem } from '@dm-bridge/workpoint';
import { request } from 'node:https';
import {
  deviceIdOf,
  startWorkpointGateway,
  type WorkpointGateway,
} from './support/workpoint-gateway';

/**
 * One session story (invariant 4): a phone's session holds core's session lock of its device
 * from the opening request, renewed at every request with SESSION_LOCK_TTL_MS, superseded by a
 * newer session of the same phone, kept while the phone owes a call back, released at the end.
 * Driven request by request over HTTPS so the lock can be read between two of them.
 */
let g: WorkpointGateway;
const TTL = 20_000;

beforeAll(async () => {
  g = await startWorkpointGateway({
    SESSION_LOCK_TTL_MS: String(TTL),
    WORKPOINT_BUSY_RETURN_TIMEOUT_MS: '30000',
  });
});
afterAll(async () => {
  await g?.close();
});

async function post(body: string, session?: string) {
  return new Promise<{ action: string; items: WorkpointItem[]; session?: string }>(
    (resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: g.port,
          path: '/DeploymentService/LoginService',
          method: 'POST',
          rejectUnauthorized: false,
          agent: false,
          headers: {
            'content-type': 'text/xml',
            ...(session ? { cookie: `JSESSIONID=${session}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const dls = parseDlsMessage(Buffer.concat(chunks).toString('utf8'));
            const cookie = /JSESSIONID=([^;]*)/.exec(String(res.headers['set-cookie'] ?? ''));
            resolve({ action: dls.action, items: dls.items, session: cookie?.[1] || undefined });
          });
        },
      );
      r.on('error', reject);
      r.end(body);
    },
  );
}

const opening = (mac: string, nonce: string, reason = 'start-up') =>
  buildWorkpointMessage({
    nonce,
    maxItems: -1,
    fragment: 'final',
    reason,
    items: [
      { name: 'mac-addr', value: mac },
      { name: 'configuration-changed-flag', value: 'false' },
    ],
  });

const replyTo = (nonce: string, action: string, items: WorkpointItem[] = [], status = 'accepted') =>
  buildWorkpointMessage({
    nonce,
    maxItems: -1,
    fragment: 'final',
    reason: 'reply-to',
    action,
    status,
    items,
  });

/** A phone known to core and to the engine (registered, inventory read). */
async function registeredPhone(mac: string): Promise<void> {
  const first = await post(opening(mac, 'reg'));
  expect(first.action).toBe('ReadAllItems');
  const done = await post(
    replyTo('reg', 'ReadAllItems', [
      { name: 'e164', value: '100' },
      { name: 'sip-transport', value: '0' }, // the openstage profile's desired value
    ]),
    first.session,
  );
  expect(done.action).toBe('CleanUp');
}

const lock = async (mac: string) => {
  const key = g.core.shards.ofDevice(deviceIdOf(mac)).lock(deviceIdOf(mac));
  const [holder, pttl] = await Promise.all([
    g.core.locks.holder(deviceIdOf(mac)),
    g.redis.redis.pttl(key),
  ]);
  return { holder, pttl };
};

describe("a Workpoint session holds core's session lock", () => {
  it('taken at the opening request, renewed at every request, released at the end', async () => {
    const mac = '00:1A:E8:77:00:01';
    await registeredPhone(mac);
    expect((await lock(mac)).holder).toBeNull();
    const ids: string[] = [];
    for (const id of ['r1', 'r2'])
      ids.push(
        await g.source.enqueue(mac, {
          id,
          operations: [{ kind: 'read', items: [{ name: 'e164' }] }],
        }),
      );
    const a = await post(opening(mac, 'A1', 'solicited'));
    expect(a.action).toBe('ReadItems');
    expect(await lock(mac)).toEqual({ holder: a.session, pttl: expect.any(Number) });
    expect((await lock(mac)).pttl).toBeGreaterThan(TTL - 2000);
    for (const id of ids) expect((await g.core.jobs.get(id)).state).toBe('in-session');

    await new Promise((r) => setTimeout(r, 1200));
    const b = await post(replyTo('A1', 'ReadItems', [{ name: 'e164', value: '100' }]), a.session);
    expect(b.action).toBe('ReadItems');
    // renewed: the TTL starts again at this request
    expect((await lock(mac)).pttl).toBeGreaterThan(TTL - 1000);
    // (a fresh nonce: the same bytes on a new connection would be a retransmission)
    const end = await post(replyTo('A2', 'ReadItems', [{ name: 'e164', value: '100' }]), a.session);
    expect(end).toEqual({ action: 'CleanUp', items: [] });
    expect((await lock(mac)).holder).toBeNull();
    for (const id of ids) expect((await g.core.jobs.get(id)).state).toBe('succeeded');
  });

  it('a new session of the phone supersedes the open one; the old one cannot free the new lock', async () => {
    const mac = '00:1A:E8:77:00:02';
    await registeredPhone(mac);
    await g.source.enqueue(mac, {
      id: 's1',
      operations: [{ kind: 'read', items: [{ name: 'e164' }] }],
    });
    const a = await post(opening(mac, 'S1', 'solicited'));
    expect((await lock(mac)).holder).toBe(a.session);
    const b = await post(opening(mac, 'S2', 'start-up'));
    expect(b.action).toBe('ReadItems');
    expect(b.session).not.toBe(a.session);
    expect((await lock(mac)).holder).toBe(b.session);
    // the superseded session's next message is answered CleanUp and leaves the new lock alone
    const stale = await post(replyTo('S1', 'ReadItems', [{ name: 'e164', value: '1' }]), a.session);
    expect(stale.action).toBe('CleanUp');
    expect((await lock(mac)).holder).toBe(b.session);
    await post(replyTo('S2', 'ReadItems', [{ name: 'e164', value: '100' }]), b.session);
    expect((await lock(mac)).holder).toBeNull();
    expect((await g.source.job('s1')).state).toBe('succeeded');
  });

  it('kept after CleanUp + send-solicited (busy phone): the session goes on until it calls back', async () => {
    const mac = '00:1A:E8:77:00:03';
    await registeredPhone(mac);
    await g.source.enqueue(mac, {
      id: 'busy',
      operations: [{ kind: 'write', items: [{ name: 'hostname', value: 'x' }] }],
    });
    const a = await post(opening(mac, 'B1', 'solicited'));
    expect(a.action).toBe('WriteItems');
    const busy = await post(replyTo('B1', 'WriteItems', [], 'Busy'), a.session);
    expect(busy).toEqual({ action: 'CleanUp', items: [{ name: 'send-solicited', value: 'true' }] });
    const held = await lock(mac);
    expect(held.holder).toBe(a.session);
    expect(held.pttl).toBeGreaterThan(30_000);
    expect((await g.source.job('busy')).state).toBe('in-session');
    // the phone comes back by itself: a new session takes over and finishes the job
    const back = await post(opening(mac, 'B2', 'solicited'));
    expect(back.action).toBe('WriteItems');
    expect((await lock(mac)).holder).toBe(back.session);
    expect((await post(replyTo('B2', 'WriteItems'), back.session)).action).toBe('CleanUp');
    expect((await lock(mac)).holder).toBeNull();
    expect((await g.source.job('busy')).state).toBe('succeeded');
  });
});
