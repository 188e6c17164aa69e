import { OmaDmHandsetFront } from '../../apps/simulator/src/handsets/oma-dm-handset';
import {
  DmHandset,
  dmClientTrigger,
  dmServerNonce,
} from '../../apps/simulator/src/dm-handset/dm-handset';
import { SimulatedSmsc } from '../../apps/simulator/src/smsc/simulated-smsc';
import type Redis from 'ioredis';
import { REDIS } from '../../apps/gateway/src/redis/redis.tokens';
import { ApiFixture, dropPrefix, startApi } from './api-fixture';
import { DmSessionStore } from '../../apps/gateway/src/dm/dm-session.store';

/**
 * The whole OMA DM path with every real part: REST job -> core -> wake-up queue -> package #0 in
 * a WAP push -> SMPP -> simulated SMSC -> the handset's SMS side checks the digest -> the DM
 * client opens a server-initiated session on /dm -> the engine serves the job's operations
 * from core -> results land on the job.
 */
describe('REST API: an OMA DM job end to end (SMS wake-up, SyncML session)', () => {
  let f: ApiFixture;
  let smsc: SimulatedSmsc;
  const serverNonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const clientNonce = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');

  beforeAll(async () => {
    smsc = new SimulatedSmsc({ accounts: { gw: 'pw' } });
    await smsc.start();
    f = await startApi({
      SMPP_BINDS: `${smsc.url('gw', 'pw')}?id=sim`,
      SMPP_JOB_BACKOFF_MS: '50',
      // One notification per job: a second one sent while the first session still runs would be
      // signed with the nonce that session rotates, and rightly refused by the handset.
      WAKE_BACKOFF_BASE_MS: '20000',
      WAKE_BACKOFF_MAX_MS: '20000',
    });
  });
  afterAll(async () => {
    await f.close();
    await smsc.stop();
    await dropPrefix(f.prefix);
  });

  it.each(['wbxml', 'xml'] as const)(
    'reads, replaces and creates nodes over %s; results land on the jobs',
    async (encoding) => {
      const n = encoding === 'wbxml' ? '1' : '2';
      const devId = `IMEI:49015420323750${n}`;
      const msisdn = `49170123000${n}`;
      const handset = new DmHandset({
        devId,
        serverUrl: `${f.gw.deviceUrl}/dm`,
        serverId: 'gw.example',
        serverPassword: 'srv-secret',
        clientName: 'device1',
        clientPassword: 'dev-secret',
        serverAuth: 'md5',
        clientAuth: 'md5',
        encoding,
        mod: 'SimPhone 2',
        nonces: { server: serverNonce.toString('base64'), client: clientNonce.toString('base64') },
      });
      const front = new OmaDmHandsetFront({
        msisdn,
        serverId: 'gw.example',
        serverPassword: 'srv-secret',
        nonce: dmServerNonce(handset),
        onTrigger: dmClientTrigger(handset),
      });
      smsc.addHandset(front);
      const created = await f.call('POST', '/v1/devices', {
        id: `dm-${encoding}`,
        protocol: 'omadm',
        addressing: { msisdn: `+${msisdn}`, devId, serverId: 'gw.example', authScheme: 'md5' },
        credentials: {
          clientUsername: 'device1',
          clientPassword: 'dev-secret',
          serverPassword: 'srv-secret',
          serverNonce: serverNonce.toString('base64'),
          clientNonce: clientNonce.toString('base64'),
        },
      });
      expect(created.status).toBe(201);

      // set on a node the handset does not have yet: Replace answers 404, the engine sends Add
      const res = await f.call('POST', '/v1/jobs?wait=15', {
        deviceId: `dm-${encoding}`,
        operations: [
          { op: 'get', path: 'omadm:./DevInfo/Mod' },
          { op: 'set', path: 'omadm:./Vendor/dmbridge/Volume', value: '7' },
          { op: 'set', path: 'omadm:./Vendor/dmbridge/sip/Registrar', value: 'sip2.example.net' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        { status: 'ok', code: 200, value: 'SimPhone 2' },
        { status: 'ok', code: 200 },
        { status: 'ok', code: 200 },
      ]);
      expect(res.body.state).toBe('succeeded');
      expect(handset.tree.get('./Vendor/dmbridge/Volume').value).toBe('7');
      expect(handset.tree.get('./Vendor/dmbridge/sip/Registrar').value).toBe('sip2.example.net');
      // the inventory learned what the job wrote and read, and from which job
      const inv = await f.call('GET', `/v1/devices/dm-${encoding}/inventory?detail=true`);
      expect(inv.body['./Vendor/dmbridge/sip/Registrar']).toMatchObject({
        value: 'sip2.example.net',
        source: 'written',
        jobId: res.body.id,
      });
      expect(inv.body['./DevInfo/Mod']).toMatchObject({
        value: 'SimPhone 2',
        source: 'read',
        jobId: res.body.id,
      });
      expect(Date.parse(inv.body['./DevInfo/Mod'].at)).toBeGreaterThanOrEqual(
        Date.parse(res.body.createdAt),
      );
      const plain = await f.call('GET', `/v1/devices/dm-${encoding}/inventory`);
      expect(plain.body['./Vendor/dmbridge/Volume']).toBe('7');

      // a second job, a second wake-up and session: the values read back
      const read = await f.call('POST', '/v1/jobs?wait=15', {
        deviceId: `dm-${encoding}`,
        operations: [
          { op: 'get', path: 'omadm:./Vendor/dmbridge/Volume' },
          { op: 'get', path: 'omadm:./Vendor/dmbridge/NoSuchNode' },
        ],
      });
      expect({ front: front.rejected, client: handset.rejectedNotifications }).toEqual({
        front: [],
        client: [],
      });
      // an interior node: its children's names, or its subtree as TNDS with ?list=
      const tree = await f.call('POST', '/v1/jobs?wait=15', {
        deviceId: `dm-${encoding}`,
        operations: [
          { op: 'get', path: 'omadm:./Vendor/dmbridge/sip' },
          { op: 'get', path: 'omadm:./Vendor/dmbridge/sip', args: { list: 'StructData' } },
        ],
      });
      expect(tree.body.state).toBe('succeeded');
      expect(tree.body.results[0]).toEqual({ status: 'ok', code: 200, value: 'Registrar/Port' });
      expect(tree.body.results[1].value).toBe(
        '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>' +
          '<Node><NodeName>sip</NodeName><Path>./Vendor/dmbridge</Path>' +
          '<RTProperties><Format><node/></Format></RTProperties>' +
          '<Node><NodeName>Registrar</NodeName><RTProperties><Format><chr/></Format></RTProperties>' +
          '<Value>sip2.example.net</Value></Node>' +
          '<Node><NodeName>Port</NodeName><RTProperties><Format><int/></Format></RTProperties>' +
          '<Value>5060</Value></Node></Node></MgmtTree>',
      );
      expect(read.body.state).toBe('partial');
      expect(read.body.results).toEqual([
        { status: 'ok', code: 200, value: '7' },
        { status: 'failed', code: 404, message: '404 Not Found: ./Vendor/dmbridge/NoSuchNode' },
      ]);
      const session = await handset.lastSession!;
      expect(session).toMatchObject({ initiator: 'server', ended: 'completed' });
      expect(JSON.stringify(res.body)).not.toMatch(/srv-secret|dev-secret/);
      // the DM account the engine uses is encrypted at rest like every device secret
      const stored = await f.gw.app
        .get<Redis>(REDIS)
        .hgetall(f.gw.app.get(DmSessionStore).accountKey(devId));
      expect(stored.serverPassword).toMatch(/^e1:/);
      expect(JSON.stringify(stored)).not.toMatch(/srv-secret|dev-secret/);
    },
  );
});
