import type Redis from 'ioredis';
import { DmSessionStore } from '../../apps/gateway/src/dm/dm-session.store';
import { REDIS } from '../../apps/gateway/src/redis/redis.module';
import { DmHandset, type DmHandsetOptions } from '../../apps/simulator/src/dm-handset/dm-handset';
import { addDmDevice, startCoreDm, type CoreDmFixture } from './support/core-dm';

/**
 * The DM account follows the device record (issue 11, item 4) on the production path (core
 * jobs, REST devices, the real gateway, real Redis): written at create and import, rewritten at
 * every change of addressing or credentials with the negotiated nonces kept, removed at delete
 * and DevId change; DevIds are unique. Item 3: clientAuth/serverAuth per direction.
 */
describe('OMA DM account follows the device record', () => {
  let fx: CoreDmFixture;
  let store: DmSessionStore;
  let redis: Redis;
  beforeAll(async () => {
    fx = await startCoreDm({
      // a refused session locks its source out; the next good one here comes from the same place
      DM_AUTH_LOCKOUT_MS: '1',
      WAKE_BACKOFF_BASE_MS: '200',
      WAKE_BACKOFF_MAX_MS: '300',
    });
    store = fx.f.gw.app.get(DmSessionStore);
    redis = fx.f.gw.app.get(REDIS);
  });
  afterAll(async () => {
    await fx?.close();
  });

  const handset = (devId: string, o: Partial<DmHandsetOptions> = {}) =>
    new DmHandset({
      devId,
      serverUrl: `${fx.f.gw.deviceUrl}/dm`,
      serverId: 'gw.example',
      serverPassword: 'srv-secret',
      clientName: 'device1',
      clientPassword: 'dev-secret',
      clientAuth: 'md5',
      serverAuth: 'md5',
      encoding: 'xml',
      ...o,
    });

  const create = (id: string, devId: string, extra: Record<string, unknown> = {}) =>
    fx.f.call('POST', '/v1/devices', {
      id,
      protocol: 'omadm',
      addressing: { devId, serverId: 'gw.example', authScheme: 'md5', ...extra },
      credentials: {
        clientUsername: 'device1',
        clientPassword: 'dev-secret',
        serverPassword: 'srv-secret',
      },
    });

  /** The account as stored: every hash field, passwords as they rest in Redis. */
  const rawAccount = (devId: string) => redis.hgetall(store.accountKey(devId));

  it('create writes the account: a client-initiated session succeeds before any wake-up, without an MSISDN', async () => {
    const devId = 'IMEI:356000000000101';
    expect((await create('acct-1', devId)).status).toBe(201);
    const raw = await rawAccount(devId);
    expect(Object.keys(raw).sort()).toEqual(
      [
        'clientAuth',
        'clientName',
        'clientNonce',
        'clientPassword',
        'rev',
        'serverAuth',
        'serverName',
        'serverNonce',
        'serverPassword',
      ].sort(),
    );
    // secrets sealed at rest
    expect(raw.clientPassword).toMatch(/^e1:/);
    expect(raw.serverPassword).toMatch(/^e1:/);
    expect(await store.account(devId)).toEqual({
      deviceId: devId,
      clientAuth: 'md5',
      clientName: 'device1',
      clientPassword: 'dev-secret',
      clientNonce: '',
      serverAuth: 'md5',
      serverName: 'gw.example',
      serverPassword: 'srv-secret',
      serverNonce: '',
    });
    const h = handset(devId);
    const s = await h.runSession();
    expect(s).toMatchObject({ ended: 'completed', authenticated: true, serverAuthenticated: true });
    expect(fx.smsc.received.length).toBe(0); // no wake-up was sent
    // the server nonce is the handset's (it issues a new one only in a message it sends); the
    // client nonce was rotated without a Chal (the session ended), the handset learns it next time
    const after = (await store.account(devId))!;
    expect(after.serverNonce).toBe(h.nonces.server);
    expect(after.clientNonce).not.toBe('');
    expect((await h.runSession()).ended).toBe('completed');
  });

  it('a job for a device without an MSISDN waits for the handset, whose own session serves it', async () => {
    const devId = 'IMEI:356000000000140';
    expect((await create('acct-20', devId)).status).toBe(201);
    const job = await fx.f.call('POST', '/v1/jobs', {
      deviceId: 'acct-20',
      operations: [{ op: 'set', path: 'omadm:./Vendor/dmbridge/Volume', value: '6' }],
    });
    expect(job.status).toBe(202);
    const jobPath = `/v1/jobs/${job.body.id}`;
    const waiting = async () => {
      for (let i = 0; i < 100; i++) {
        const j = (await fx.f.call('GET', jobPath)).body;
        if (j.attempts.length > 0) return j;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no wake-up attempt');
    };
    const j = await waiting();
    expect(j.state).toBe('awaiting-contact');
    expect(j.attempts).toEqual([
      expect.objectContaining({
        kind: 'wake',
        outcome: 'deferred',
        detail: 'no MSISDN to send package #0 to: waiting for the handset to open a session',
      }),
    ]);
    const h = handset(devId);
    const s = await h.runSession();
    expect(s).toMatchObject({ ended: 'completed', authenticated: true });
    expect((await fx.f.call('GET', jobPath)).body.state).toBe('succeeded');
    expect(h.tree.get('./Vendor/dmbridge/Volume').value).toBe('6');
  });

  it('PATCH of password and auth: the account is rewritten, negotiated nonces kept; the old password is refused, the new one works', async () => {
    const devId = 'IMEI:356000000000102';
    expect((await create('acct-2', devId)).status).toBe(201);
    const h = handset(devId);
    expect((await h.runSession()).ended).toBe('completed');
    const negotiated = (await store.account(devId))!;

    // a tags-only change leaves the account alone
    expect((await fx.f.call('PATCH', '/v1/devices/acct-2', { tags: ['x'] })).status).toBe(200);
    expect(await store.account(devId)).toEqual(negotiated);

    const patched = await fx.f.call('PATCH', '/v1/devices/acct-2', {
      addressing: { clientAuth: 'basic' },
      credentials: { clientPassword: 'new-dev-secret' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.credentials.clientPassword).toBe('********');
    expect(await store.account(devId)).toEqual({
      ...negotiated,
      clientAuth: 'basic',
      clientPassword: 'new-dev-secret',
    });

    // the handset still on the old password (and scheme) is refused
    const refused = await h.runSession();
    expect(refused).toMatchObject({ authenticated: false });
    expect(refused.ended).not.toBe('completed');

    h.options.clientPassword = 'new-dev-secret';
    h.options.clientAuth = 'basic';
    await new Promise((r) => setTimeout(r, 20)); // past the 1 ms lockout
    expect(await h.runSession()).toMatchObject({
      ended: 'completed',
      authenticated: true,
      serverAuthenticated: true,
    });

    // a PATCH that sets a nonce does reset it, and only that one
    const { clientNonce } = (await store.account(devId))!;
    await fx.f.call('PATCH', '/v1/devices/acct-2', { credentials: { serverNonce: 'AAAA' } });
    const reset = (await store.account(devId))!;
    expect(reset.serverNonce).toBe('AAAA');
    expect(reset.clientNonce).toBe(clientNonce);
  });

  it('DELETE removes the account and the session keys; the handset is refused', async () => {
    const devId = 'IMEI:356000000000103';
    expect((await create('acct-3', devId)).status).toBe(201);
    const h = handset(devId);
    expect((await h.runSession()).ended).toBe('completed');
    expect(await redis.exists(store.accountKey(devId), store.sessionKey(devId))).toBe(2);
    expect((await fx.f.call('DELETE', '/v1/devices/acct-3')).status).toBe(204);
    expect(await redis.exists(store.accountKey(devId))).toBe(0);
    expect(await redis.exists(store.sessionKey(devId))).toBe(0);
    const s = await h.runSession();
    expect(s).toMatchObject({ authenticated: false });
    expect(s.ended).not.toBe('completed');
    expect(await redis.exists(store.accountKey(devId))).toBe(0);
  });

  it('a device re-created with the same DevId gets a fresh account, never the old one', async () => {
    const devId = 'IMEI:356000000000104';
    expect((await create('acct-4', devId)).status).toBe(201);
    expect((await handset(devId).runSession()).ended).toBe('completed');
    expect((await fx.f.call('DELETE', '/v1/devices/acct-4')).status).toBe(204);
    // and a leftover from before this change (DELETE used to leave the account behind)
    await store.saveAccount({
      deviceId: devId,
      clientAuth: 'hmac',
      clientName: 'old-owner',
      clientPassword: 'old-secret',
      clientNonce: 'b2xk',
      serverAuth: 'hmac',
      serverName: 'old.example',
      serverPassword: 'old-srv',
      serverNonce: 'b2xk',
    });
    const again = await fx.f.call('POST', '/v1/devices', {
      id: 'acct-4b',
      protocol: 'omadm',
      addressing: { devId, serverId: 'gw.example', clientAuth: 'hmac', serverAuth: 'basic' },
      credentials: {
        clientUsername: 'device4b',
        clientPassword: 'pw-4b',
        serverPassword: 'srv-4b',
      },
    });
    expect(again.status).toBe(201);
    expect(await store.account(devId)).toEqual({
      deviceId: devId,
      clientAuth: 'hmac',
      clientName: 'device4b',
      clientPassword: 'pw-4b',
      clientNonce: '',
      serverAuth: 'basic',
      serverName: 'gw.example',
      serverPassword: 'srv-4b',
      serverNonce: '',
    });
    const h = handset(devId, {
      clientName: 'device4b',
      clientPassword: 'pw-4b',
      serverPassword: 'srv-4b',
      clientAuth: 'hmac',
      serverAuth: 'basic',
    });
    expect(await h.runSession()).toMatchObject({
      ended: 'completed',
      authenticated: true,
      serverAuthenticated: true,
    });
  });

  it('a DevId belongs to one device: a second create, a PATCH or an import row naming it get address-taken', async () => {
    const devId = 'IMEI:356000000000105';
    expect((await create('acct-5', devId)).status).toBe(201);
    const before = await rawAccount(devId);
    const dup = await create('acct-5b', devId);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'address-taken' });
    expect(dup.body.detail).toContain(devId);
    expect((await create('acct-5c', 'IMEI:356000000000106')).status).toBe(201);
    const moved = await fx.f.call('PATCH', '/v1/devices/acct-5c', { addressing: { devId } });
    expect(moved.status).toBe(409);
    expect(moved.body).toMatchObject({ code: 'address-taken' });
    const imported = await fx.f.call(
      'POST',
      '/v1/devices/import',
      `id,protocol,devId,clientPassword\nacct-5d,omadm,${devId},other\n`,
      { headers: { 'content-type': 'text/csv' } },
    );
    expect(imported.body).toMatchObject({ created: 0, failed: 1 });
    expect(imported.body.errors[0]).toMatchObject({ row: 1, code: 'address-taken' });
    expect(await rawAccount(devId)).toEqual(before);
    expect((await fx.f.call('GET', '/v1/devices/acct-5d')).status).toBe(404);
  });

  it('CSV import writes accounts with the per-direction columns; a DevId change moves the account', async () => {
    const csv =
      'id,protocol,devId,serverId,clientAuth,serverAuth,clientUsername,clientPassword,serverPassword\n' +
      'acct-6,omadm,IMEI:356000000000107,gw.example,basic,none,dev6,pw6,srv6\n';
    const res = await fx.f.call('POST', '/v1/devices/import', csv, {
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.body).toMatchObject({ created: 1, failed: 0 });
    expect(await store.account('IMEI:356000000000107')).toEqual({
      deviceId: 'IMEI:356000000000107',
      clientAuth: 'basic',
      clientName: 'dev6',
      clientPassword: 'pw6',
      clientNonce: '',
      serverAuth: 'none',
      serverName: 'gw.example',
      serverPassword: 'srv6',
      serverNonce: '',
    });
    const h = handset('IMEI:356000000000107', {
      clientName: 'dev6',
      clientPassword: 'pw6',
      serverPassword: 'srv6',
      clientAuth: 'basic',
      serverAuth: 'none',
    });
    expect((await h.runSession()).ended).toBe('completed');

    const moved = await fx.f.call('PATCH', '/v1/devices/acct-6', {
      addressing: { devId: 'IMEI:356000000000108' },
    });
    expect(moved.status).toBe(200);
    expect(await redis.exists(store.accountKey('IMEI:356000000000107'))).toBe(0);
    expect(await redis.exists(store.sessionKey('IMEI:356000000000107'))).toBe(0);
    expect(await store.account('IMEI:356000000000108')).toMatchObject({
      deviceId: 'IMEI:356000000000108',
      clientAuth: 'basic',
      serverAuth: 'none',
      clientNonce: '',
      serverNonce: '',
    });

    // an upsert rewrites the account too
    const upsert = await fx.f.call(
      'POST',
      '/v1/devices/import?upsert=true',
      'id,protocol,devId,clientAuth,clientPassword\nacct-6,omadm,IMEI:356000000000108,md5,pw6b\n',
      { headers: { 'content-type': 'text/csv' } },
    );
    expect(upsert.body).toMatchObject({ created: 0, updated: 1, failed: 0 });
    expect(await store.account('IMEI:356000000000108')).toMatchObject({
      clientAuth: 'md5',
      clientPassword: 'pw6b',
      serverAuth: 'none',
    });
  });

  it('per direction: the handset demands md5 of a server configured for basic (clientAuth/serverAuth win over authScheme)', async () => {
    const devId = 'IMEI:356000000000120';
    const created = await create('acct-7', devId, {
      msisdn: '+491705550109',
      authScheme: 'hmac',
      clientAuth: 'basic',
      serverAuth: 'basic',
    });
    expect(created.status).toBe(201);
    expect(await store.account(devId)).toMatchObject({ clientAuth: 'basic', serverAuth: 'basic' });
    // work for the session (its wake-up SMS reaches no handset: the device calls in itself)
    const job = await fx.f.call('POST', '/v1/jobs', {
      deviceId: 'acct-7',
      operations: [{ op: 'get', path: 'omadm:./DevInfo/Mod' }],
    });
    expect(job.status).toBe(202);
    const h = handset(devId, { clientAuth: 'basic', serverAuth: 'md5' });
    expect(await h.runSession()).toMatchObject({
      ended: 'completed',
      authenticated: true,
      serverAuthenticated: true,
    });
    let done = await fx.f.call('GET', `/v1/jobs/${job.body.id}`);
    for (let i = 0; i < 50 && done.body.state !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await fx.f.call('GET', `/v1/jobs/${job.body.id}`);
    }
    expect(done.body).toMatchObject({ state: 'succeeded' });
    // the scheme the device demanded is not remembered: the account still says basic
    expect(await store.account(devId)).toMatchObject({ clientAuth: 'basic', serverAuth: 'basic' });
    // configured as the device wants it, the server's first Cred is accepted
    expect(
      (await fx.f.call('PATCH', '/v1/devices/acct-7', { addressing: { serverAuth: 'md5' } }))
        .status,
    ).toBe(200);
    expect(await store.account(devId)).toMatchObject({ clientAuth: 'basic', serverAuth: 'md5' });
    expect(await h.runSession()).toMatchObject({ ended: 'completed', serverAuthenticated: true });
  });

  it('per direction, with nothing to do: the Cred refused after the last message is answered in md5', async () => {
    const devId = 'IMEI:356000000000150';
    const created = await create('acct-50', devId, { clientAuth: 'basic', serverAuth: 'basic' });
    expect(created.status).toBe(201);
    const h = handset(devId, { clientAuth: 'basic', serverAuth: 'md5' });
    expect(await h.runSession()).toMatchObject({
      ended: 'completed',
      authenticated: true,
      serverAuthenticated: true,
    });
  });

  it('an account that predates the sync (none stored) is still built by the wake-up driver from the record', async () => {
    const d = await addDmDevice(fx, 31, { encoding: 'xml' });
    const devId = d.handset.options.devId;
    await redis.del(store.accountKey(devId));
    const res = await fx.f.call('POST', '/v1/jobs?wait=20', {
      deviceId: d.id,
      operations: [{ op: 'get', path: 'omadm:./DevInfo/Mod' }],
    });
    expect(res.body.state).toBe('succeeded');
    expect(await store.account(devId)).toMatchObject({
      clientAuth: 'md5',
      serverAuth: 'md5',
      clientName: 'device1',
    });
  });

  it('an account that predates the sync is built from the record at the handset own first session', async () => {
    const devId = 'IMEI:356000000000141';
    expect((await create('acct-41', devId)).status).toBe(201);
    await redis.del(store.accountKey(devId));
    const s = await handset(devId).runSession();
    expect(s).toMatchObject({ ended: 'completed', authenticated: true, serverAuthenticated: true });
    expect(await store.account(devId)).toMatchObject({ clientName: 'device1', clientAuth: 'md5' });
    // a DevId no record names stays unknown
    const stranger = await handset('IMEI:356000000000142').runSession();
    expect(stranger).toMatchObject({ authenticated: false });
    expect(await store.account('IMEI:356000000000142')).toBeUndefined();
  });
});
