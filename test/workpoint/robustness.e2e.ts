import { buildWorkpointMessage, parseDlsMessage } from '@dm-bridge/workpoint';
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import {
  deviceIdOf,
  serveJob,
  startWorkpointGateway,
  waitFor,
  type WorkpointGateway,
} from './support/workpoint-gateway';

/** Odd and hostile requests on the phone listener, DCMP and contact-me limits. */
let g: WorkpointGateway;

beforeAll(async () => {
  g = await startWorkpointGateway({
    WORKPOINT_MAX_BODY: '16384',
    WORKPOINT_DEFERRED_TIMEOUT_MS: '300',
  });
});
afterAll(async () => {
  await g?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function post(
  body: string | Buffer,
  opts: { path?: string; headers?: Record<string, string>; agent?: Agent; method?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: g.port,
        path: opts.path ?? '/DeploymentService/LoginService',
        method: opts.method ?? 'POST',
        rejectUnauthorized: false,
        agent: opts.agent ?? false,
        headers: { 'content-type': 'text/xml', ...(opts.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

const startUp = (mac: string, nonce: string) =>
  buildWorkpointMessage({
    nonce,
    maxItems: -1,
    fragment: 'final',
    reason: 'start-up',
    items: [{ name: 'mac-addr', value: mac }],
  });

describe('workpoint listener robustness', () => {
  it('malformed XML gets a CleanUp echoing the nonce; the phone then works normally', async () => {
    const a = await post(
      '<WorkpointMessage><Message nonce="ABC" maxItems="-1"><ReasonForContact>start-up</Reason',
    );
    expect(a.status).toBe(200);
    expect(parseDlsMessage(a.body)).toEqual({ nonce: 'ABC', action: 'CleanUp', items: [] });
    expect(a.headers['content-length']).toBe(String(Buffer.byteLength(a.body)));
    expect(a.headers['transfer-encoding']).toBeUndefined();
    const phone = await g.phone();
    expect((await phone.startUp()).steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
  });

  it('characters XML cannot carry, as a reference or raw, get CleanUp, never a 500', async () => {
    const raw = (nonce: string, value: string) =>
      `<WorkpointMessage><Message nonce="${nonce}" maxItems="-1"><ReasonForContact>start-up</ReasonForContact><ItemList><Item name="mac-addr">00:1A:E8:99:00:0B</Item><Item name="e164">${value}</Item></ItemList></Message></WorkpointMessage>`;
    for (const bad of ['&#1;', 'A\u0001B']) {
      // in the nonce: the message cannot be answered with it, a CleanUp without it goes back
      const n = await post(raw(bad, '1'));
      expect(n.status).toBe(200);
      expect(parseDlsMessage(n.body)).toEqual({ nonce: '', action: 'CleanUp', items: [] });
      // in an item value
      const v = await post(raw('C1', bad));
      expect(v.status).toBe(200);
      expect(parseDlsMessage(v.body).nonce).toBe('C1');
    }
  });

  it('an unknown reason gets a CleanUp', async () => {
    const a = await post(
      buildWorkpointMessage({
        nonce: 'U1',
        maxItems: -1,
        fragment: 'final',
        reason: 'coffee',
        items: [{ name: 'mac-addr', value: '00:1A:E8:99:00:01' }],
      }),
    );
    expect(parseDlsMessage(a.body)).toEqual({ nonce: 'U1', action: 'CleanUp', items: [] });
  });

  it('a retransmission on a new connection gets the identical reply; a finished nonce gets CleanUp', async () => {
    const mac = '00:1A:E8:99:00:02';
    const first = await post(startUp(mac, 'R1'));
    expect(parseDlsMessage(first.body).action).toBe('ReadAllItems');
    const again = await post(startUp(mac, 'R1'));
    expect(again.body).toBe(first.body);
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    const reply = buildWorkpointMessage({
      nonce: 'R1',
      maxItems: -1,
      fragment: 'final',
      reason: 'reply-to',
      action: 'ReadAllItems',
      status: 'accepted',
      items: [],
    });
    const done = await post(reply, { headers: { cookie: `${cookie}; path=/` } });
    expect(parseDlsMessage(done.body).action).toBe('CleanUp');
    expect(String(done.headers['set-cookie'])).toContain('Max-Age=0');
    // the same reply-to with a different body after the interaction ended: finished nonce
    const replay = await post(reply.replace('<ItemList/>', '<ItemList></ItemList>'), {
      headers: { cookie },
    });
    expect(parseDlsMessage(replay.body)).toEqual({ nonce: 'R1', action: 'CleanUp', items: [] });
    expect(await g.source.events()).toContainEqual({
      type: 'request-rejected',
      mac,
      reason: 'nonce of a finished interaction',
    });
  });

  it('a reply-to without items and without cookie is matched to its phone by address', async () => {
    const mac = '00:1A:E8:99:00:03';
    expect(parseDlsMessage((await post(startUp(mac, 'I1'))).body).action).toBe('ReadAllItems');
    const reply = buildWorkpointMessage({
      nonce: 'I1',
      maxItems: -1,
      fragment: 'final',
      reason: 'reply-to',
      action: 'ReadAllItems',
      status: 'accepted',
      items: [{ name: 'e164', value: '5' }],
    });
    expect(parseDlsMessage((await post(reply)).body).action).toBe('CleanUp');
    expect((await g.store.get(mac))!.inventory.e164).toBe('5');
  });

  it('every phone-state key expires: short before the inventory was read, long after', async () => {
    const mac = '00:1A:E8:99:00:0A';
    expect(parseDlsMessage((await post(startUp(mac, 'T1'))).body).action).toBe('ReadAllItems');
    const key = g.store.stateKey(mac);
    const probe = await g.redis.redis.pttl(key);
    expect(probe).toBeGreaterThan(500_000);
    expect(probe).toBeLessThanOrEqual(600_000);
    const reply = buildWorkpointMessage({
      nonce: 'T1',
      maxItems: -1,
      fragment: 'final',
      reason: 'reply-to',
      action: 'ReadAllItems',
      status: 'accepted',
      items: [{ name: 'e164', value: '1' }],
    });
    expect(parseDlsMessage((await post(reply)).body).action).toBe('CleanUp');
    expect(await g.redis.redis.pttl(key)).toBeGreaterThan(89 * 86_400_000);
    // the inventory lives beside the state, with the same lifetime
    const inv = g.store.inventoryKey(mac);
    expect(await g.redis.redis.pttl(inv)).toBeGreaterThan(89 * 86_400_000);
    expect(JSON.parse((await g.redis.redis.get(inv))!)).toMatchObject({ e164: '1' });
    expect(JSON.parse((await g.redis.redis.get(key))!).inventory).toBeUndefined();
    expect((await g.store.get(mac))!.inventory.e164).toBe('1');
  });

  it('a state stored whole (inventory inside, before it had its own key) still reads, and is split at the next write', async () => {
    const mac = '00:1A:E8:99:00:0B';
    expect(parseDlsMessage((await post(startUp(mac, 'W1'))).body).action).toBe('ReadAllItems');
    const reply = buildWorkpointMessage({
      nonce: 'W1',
      maxItems: -1,
      fragment: 'final',
      reason: 'reply-to',
      action: 'ReadAllItems',
      status: 'accepted',
      items: [{ name: 'e164', value: '7' }],
    });
    expect(parseDlsMessage((await post(reply)).body).action).toBe('CleanUp');
    const key = g.store.stateKey(mac);
    const whole = { ...(await g.store.get(mac))!, inventory: { e164: '7', legacy: 'yes' } };
    await g.redis.redis.set(key, JSON.stringify(whole), 'PX', 600_000);
    await g.redis.redis.del(g.store.inventoryKey(mac));
    expect((await g.store.get(mac))!.inventory).toEqual({ e164: '7', legacy: 'yes' });
    expect(await g.store.update(mac, (st) => ({ ...st, lastContactAt: Date.now() }))).toBe(true);
    expect(JSON.parse((await g.redis.redis.get(key))!).inventory).toBeUndefined();
    expect((await g.store.get(mac))!.inventory).toEqual({ e164: '7', legacy: 'yes' });
  });

  it('oversize bodies get 413 and the listener keeps working', async () => {
    const big = startUp('00:1A:E8:99:00:04', 'O1').replace(
      '</ItemList>',
      `<Item name="x">${'a'.repeat(20000)}</Item></ItemList>`,
    );
    expect((await post(big)).status).toBe(413);
    // chunked upload without Content-Length is cut off as well
    expect((await post(big, { headers: { 'transfer-encoding': 'chunked' } })).status).toBe(413);
    expect(parseDlsMessage((await post(startUp('00:1A:E8:99:00:04', 'O2'))).body).action).toBe(
      'ReadAllItems',
    );
  });

  it('any path is served by default (phones are configured with arbitrary paths), GET is 405', async () => {
    expect(
      (await post(startUp('00:1A:E8:99:00:05', 'P1'), { path: '/DeploymentService/Other?x=1' }))
        .status,
    ).toBe(200);
    const other = await post(startUp('00:1A:E8:99:00:05', 'P2'), { path: '/provisioningService' });
    expect(other.status).toBe(200);
    expect(String(other.headers['set-cookie'])).toMatch(/; Path=\/; Secure; HttpOnly$/);
    expect((await post('', { method: 'GET' })).status).toBe(405);
  });

  it('keeps connections alive and answers HTTP/1.1 with Content-Length', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    const a = await post(startUp('00:1A:E8:99:00:06', 'K1'), { agent });
    const b = await post(
      buildWorkpointMessage({
        nonce: 'K1',
        maxItems: -1,
        fragment: 'final',
        reason: 'reply-to',
        action: 'ReadAllItems',
        status: 'accepted',
        items: [],
      }),
      { agent },
    );
    expect(a.headers['keep-alive']).toMatch(/timeout=10/);
    expect(parseDlsMessage(b.body).action).toBe('CleanUp');
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it('accepts TLS 1.2 with forward-secret suites only, and refuses TLS 1.0 unless configured', async () => {
    const tryVersion = (v: 'TLSv1' | 'TLSv1.2', ciphers = 'DEFAULT:@SECLEVEL=0') =>
      new Promise<boolean>((resolve) => {
        const s = connect(
          {
            host: '127.0.0.1',
            port: g.port,
            minVersion: v,
            maxVersion: v,
            rejectUnauthorized: false,
            ciphers,
          },
          () => {
            s.end();
            resolve(true);
          },
        );
        s.on('error', () => resolve(false));
      });
    expect(await tryVersion('TLSv1.2')).toBe(true);
    expect(await tryVersion('TLSv1')).toBe(false);
    // RSA key exchange (no forward secrecy) is refused, ECDHE accepted
    expect(await tryVersion('TLSv1.2', 'AES128-SHA:AES256-GCM-SHA384')).toBe(false);
    expect(await tryVersion('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')).toBe(true);
  });
});

describe('simulated phone contact-me port', () => {
  it('answers contact-me with 204 No Content (DG p.15) and 404 otherwise', async () => {
    const phone = await g.phone();
    const send = (body: string) =>
      new Promise<{ status: number; server?: string | string[] }>((resolve, reject) => {
        const r = httpRequest(
          phone.contactMeUri,
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, server: res.headers.server });
          },
        );
        r.on('error', reject);
        r.end(body);
      });
    const called = phone.nextInteraction((l) => l.reason === 'solicited');
    expect(await send('ContactMe=true')).toEqual({ status: 204, server: 'DlsClient' });
    await called;
    expect((await send('ContactMe=false')).status).toBe(404);
  });
});

describe('deferred confirmations', () => {
  it('a restart never confirmed by a start-up fails after the deferred timeout', async () => {
    const phone = await g.phone({ rebootDelayMs: 60_000 });
    await phone.startUp();
    const log = await serveJob(g, phone, { id: 'lost', operations: [{ kind: 'restart' }] });
    expect(log.steps.map((s) => s.action)).toEqual(['Restart']);
    const o = await waitFor(
      async () => (await g.source.outcomes(phone.options.mac)).find((x) => x.jobId === 'lost'),
      5000,
    );
    expect(o).toMatchObject({
      status: 'failed',
      results: [{ kind: 'restart', error: expect.stringContaining('no confirming contact') }],
    });
    expect((await g.store.get(phone.options.mac))!.deferred).toEqual([]);
    // the lease held for the confirmation went with it; core's job is over
    await waitFor(async () => (await g.core.locks.holder(deviceIdOf(phone.options.mac))) === null);
    expect((await g.source.job('lost')).state).toBe('failed');
  });
});

describe('DCMP and contact-me', () => {
  const dcmp = (mac: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(`/dcmp/contact-me?device-id=${encodeURIComponent(mac)}`, g.gw.deviceUrl);
      httpRequest(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });

  it('DCMP answers 202 to the phone while jobs wait, 200 otherwise and to anyone else (WIKI-DCMP)', async () => {
    const phone = await g.phone();
    await phone.startUp(); // it calls from 127.0.0.1
    phone.ignoreContactMe = true;
    const mac = phone.options.mac;
    expect(await dcmp(mac)).toBe(200);
    await g.source.enqueue(mac, { id: 'd', operations: [{ kind: 'read-all' }] });
    expect(await dcmp(mac.replace(/:/g, '').toLowerCase())).toBe(202);
    // a phone never seen calling (or seen from another address): nothing is told
    const stranger = '00:1A:E8:99:00:07';
    await g.source.enqueue(stranger, { id: 'd2', operations: [{ kind: 'read-all' }] });
    expect(await g.source.hasPending(stranger)).toBe(true);
    expect(await dcmp(stranger)).toBe(200);
    expect(await dcmp('not-a-mac')).toBe(400);
  });

  it('contact-me honours the contact gap and gives up into faults when the phone is unreachable', async () => {
    const gap = await startWorkpointGateway({
      WORKPOINT_CALLBACK_HOST: '192.0.2.10',
      WORKPOINT_CALLBACK_PORT: '18443',
      WORKPOINT_CONTACT_GAP_MS: '1500',
      WORKPOINT_CONTACT_ATTEMPTS: '2',
      WORKPOINT_CONTACT_BACKOFF_MS: '20',
    });
    try {
      const phone = await gap.phone();
      await phone.startUp();
      const times: number[] = [];
      const forms: URLSearchParams[] = [];
      phone.on('contact-me', (form: URLSearchParams) => {
        times.push(Date.now());
        forms.push(form);
      });
      const called = phone.nextInteraction((l) => l.reason === 'solicited');
      await gap.contactMe.request(phone.options.mac);
      await waitFor(() => times.length === 1 || undefined);
      await called;
      // DG p.14-15: form POST with ContactMe=true and the callback address
      expect(Object.fromEntries(forms[0])).toEqual({
        ContactMe: 'true',
        dls_ip_addr: '192.0.2.10',
        dls_ip_port: '18443',
      });
      await gap.contactMe.request(phone.options.mac);
      await waitFor(() => times.length === 2 || undefined, 4000);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(1400);

      // a phone that vanished: the contact-me fails, is retried, then recorded as a fault
      const gone = await gap.phone();
      await gone.startUp();
      await gone.stop();
      // core's wake-up of a job for it is the contact-me
      await gap.source.enqueue(gone.options.mac, {
        id: 'gone',
        operations: [{ kind: 'read-all' }],
      });
      const faults = await waitFor(async () => {
        const f = await gap.source.faults(gone.options.mac);
        return f.length > 0 ? f : undefined;
      }, 8000);
      expect(faults[0]).toMatchObject({ code: 'contact-me-failed' });
      expect(faults[0].message).toMatch(/contact-me gave up after 2 attempt\(s\)/);
    } finally {
      await gap.close();
    }
  });
});
