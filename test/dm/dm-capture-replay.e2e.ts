import { decodeDmMessage, type StatusCommand } from '@dm-bridge/omadm';
import { DmHttpEndpoint } from '../../apps/gateway/src/dm/dm-http.endpoint';
import { startDmGateway, type DmGateway } from './support/gateway';
import { STUB_OPS, readCapture } from './support/captures';
import { capturedHeaders, postRaw } from './support/http-post';

/**
 * Replays requests captured from real clients (shared/vectors/dmclient) over real HTTP against the
 * in-process gateway: their content types, chunked bodies, bogus Content-Encoding and HMAC headers.
 */
describe('OMA DM gateway: captured client traffic over HTTP', () => {
  let g: DmGateway;
  beforeAll(async () => {
    g = await startDmGateway();
  });
  afterAll(async () => {
    await g?.close();
  });

  const post = (dir: string, n: number, ext: 'xml' | 'wbxml') => {
    const headers = capturedHeaders(
      readCapture(`${dir}/req${n}.http-headers.txt`).toString('utf8'),
    );
    const chunked = headers['transfer-encoding'] === 'chunked';
    delete headers['transfer-encoding'];
    delete headers['content-length'];
    delete headers.host;
    return postRaw(`${g.dmUrl}?s=1`, readCapture(`${dir}/req${n}.body.${ext}`), headers, chunked);
  };
  /** The next nonce the gateway issues is the one the capture's stub issued (01 02 03 04 "nonce"). */
  const pinNextNonce = () => {
    const endpoint = g.gw.app.get(DmHttpEndpoint);
    const real = endpoint.random;
    endpoint.random = () => {
      endpoint.random = real;
      return Buffer.from('\x01\x02\x03\x04nonce', 'latin1');
    };
  };
  const statusCodes = (body: Buffer, enc: 'xml' | 'wbxml') =>
    decodeDmMessage(body, enc)
      .commands.filter((c): c is StatusCommand => c.kind === 'Status')
      .map((s) => `${s.cmdRef}:${s.data}`);

  it('Koneki (XML, HMAC, chunked, Content-Encoding: UTF-8): 212, ten operations, empty-nonce MAC in session', async () => {
    const dir = 'koneki-02-session-xml-hmac';
    const dev = 'IMEI:001004FF1234567';
    await g.store.saveAccount({
      deviceId: dev,
      clientAuth: 'hmac',
      clientName: 'funambol',
      clientPassword: 'funambol',
      clientNonce: Buffer.from('old').toString('base64'),
      serverAuth: 'none',
      serverName: 'gw',
      serverPassword: 'x',
      serverNonce: '',
    });
    await g.source.enqueue(dev, ...STUB_OPS);
    // req1 is signed with an empty nonce, which is not the account's: challenged.
    pinNextNonce();
    const r1 = await post(dir, 1, 'xml');
    expect(statusCodes(r1.body, 'xml')).toEqual(['0:401', '1:401', '2:401']);
    const r2 = await post(dir, 2, 'xml');
    expect(r2.status).toBe(200);
    expect(r2.headers['content-type']).toBe('application/vnd.syncml.dm+xml');
    const m2 = decodeDmMessage(r2.body, 'xml');
    expect(m2.header.respURI).toBe(`${g.dmUrl}?s=1`);
    expect(statusCodes(r2.body, 'xml')).toEqual(['0:212', '2:200', '3:200']);
    expect(
      m2.commands.filter((c) => c.kind !== 'Status').map((c) => `${c.cmdId}:${c.kind}`),
    ).toEqual([
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
    expect(await g.source.pending(dev)).toEqual([]);

    // Same bytes again: the cached reply, nothing executed twice.
    const again = await post(dir, 2, 'xml');
    expect(again.body.equals(r2.body)).toBe(true);

    const r3 = await post(dir, 3, 'xml');
    expect(r3.status).toBe(200);
    expect(statusCodes(r3.body, 'xml')).toEqual(['0:200']);
    const results = await g.source.results(dev);
    expect(results.map((r) => `${r.operationId}:${r.status}`)).toEqual([
      'get-man:200',
      'get-devinfo:404',
      'add:200',
      'replace:200',
      'get-leaf:200',
      'delete:200',
      'get-gone:404',
      'replace-man:200',
      'exec:200',
      'get-none:404',
    ]);
    expect(results[0].items).toEqual([
      { uri: './DevInfo/Man', format: 'chr', type: 'text/plain', data: 'koneki-man' },
    ]);
    const events = await g.source.events(dev);
    expect(events.map((e) => e.type)).toEqual([
      'session-started',
      'auth-failed',
      'authenticated',
      'device-info',
      'session-ended',
    ]);
  });

  it('libdmclient (WBXML, Data-Sync content type, MD5): answers in the same content type', async () => {
    const dir = 'libdmclient-05-session-wbxml-server-challenges-md5';
    await g.store.saveAccount({
      deviceId: 'DMCtest',
      clientAuth: 'md5',
      clientName: 'funambol',
      clientPassword: 'funambol',
      clientNonce: '',
      serverAuth: 'none',
      serverName: 'gw',
      serverPassword: 'x',
      serverNonce: '',
    });
    await g.source.enqueue('DMCtest', ...STUB_OPS);
    pinNextNonce();
    const r1 = await post(dir, 1, 'wbxml');
    expect(statusCodes(r1.body, 'wbxml')).toEqual(['0:401', '1:401', '2:401']);
    const r2 = await post(dir, 2, 'wbxml');
    expect(r2.headers['content-type']).toBe('application/vnd.syncml+wbxml');
    expect(statusCodes(r2.body, 'wbxml')).toEqual(['0:212', '2:200', '3:200']);
    const r3 = await post(dir, 3, 'wbxml');
    expect(statusCodes(r3.body, 'wbxml')).toEqual(['0:200', '13:200']);
    expect((await g.source.results('DMCtest')).map((r) => r.status)).toEqual([
      200, 200, 200, 200, 200, 200, 404, 425, 200, 404,
    ]);
    const events = await g.source.events('DMCtest');
    expect(events.find((e) => e.type === 'generic-alert')).toMatchObject({
      alert: { code: 1226, items: [{ uri: './test/execute' }] },
    });
  });

  it('libdmclient (XML, basic): a device without operations gets 212 and the end at once', async () => {
    await g.store.saveAccount({
      deviceId: 'DMCtest2',
      clientAuth: 'basic',
      clientName: 'funambol',
      clientPassword: 'funambol',
      clientNonce: '',
      serverAuth: 'none',
      serverName: 'gw',
      serverPassword: 'x',
      serverNonce: '',
    });
    const body = readCapture('libdmclient-01-pkg1-xml-client-initiated/req1.body.xml')
      .toString('utf8')
      .replace('<LocURI>DMCtest</LocURI>', '<LocURI>DMCtest2</LocURI>');
    const r = await postRaw(g.dmUrl, Buffer.from(body), {
      'content-type': 'application/vnd.syncml+xml',
    });
    expect(r.headers['content-type']).toBe('application/vnd.syncml+xml');
    const m = decodeDmMessage(r.body, 'xml');
    expect(statusCodes(r.body, 'xml')).toEqual(['0:212', '1:200', '2:200']);
    expect(m.final).toBe(true);
  });

  it('keeps serving after malformed input: broken WBXML, wrong SyncHdr, unknown type, oversize, unknown session', async () => {
    const bad = await postRaw(
      g.dmUrl,
      Buffer.from([0x03, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x6c, 0xff]),
      { 'content-type': 'application/vnd.syncml.dm+wbxml' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toMatch(/malformed SyncML/);
    const hdr = await postRaw(
      g.dmUrl,
      Buffer.from(
        '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr><SyncBody/></SyncML>',
      ),
      { 'content-type': 'application/vnd.syncml.dm+xml' },
    );
    expect(hdr.status).toBe(400);
    expect(hdr.body.toString()).toMatch(/SyncHdr/);
    const type = await postRaw(g.dmUrl, Buffer.from('hello'), { 'content-type': 'text/plain' });
    expect(type.status).toBe(415);
    const big = await postRaw(g.dmUrl, Buffer.alloc(70_000, 0x20), {
      'content-type': 'application/vnd.syncml.dm+xml',
    });
    expect(big.status).toBe(413);
    const unknown = await postRaw(
      g.dmUrl,
      readCapture('koneki-02-session-xml-hmac/req4.body.xml')
        .toString()
        .replace('IMEI:001004FF1234567', 'IMEI:nobody') as unknown as Buffer,
      {
        'content-type': 'application/vnd.syncml.dm+xml',
      },
    );
    expect(unknown.status).toBe(200);
    expect(statusCodes(unknown.body, 'xml')).toEqual(['0:404']);
    // Nothing is stored for a device nobody knows.
    expect(await g.redis.redis.keys(`${g.redis.prefix}*nobody*`)).toEqual([]);
    const ok = await fetch(`${g.gw.apiUrl}/healthz`);
    expect(ok.status).toBe(200);
  });
});
