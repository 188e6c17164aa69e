import { Agent, request } from 'node:http';
import { DmHandset } from '../../apps/simulator/src/dm-handset/dm-handset';
import { DeviceHttpServer } from '../../apps/gateway/src/device-http/device-http.server';
import { CutProxy, type CutAction } from './support/cut-proxy';
import { startDmGateway, type DmGateway } from './support/gateway';
import { provisionedHandset } from './support/provisioned-handset';

/** A client whose connections come from another loopback address (another "source"). */
const from = (address: string) => new Agent({ keepAlive: false, localAddress: address } as never);

function postFrom(
  address: string,
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent: from(address), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Issue 11: lockout that an attacker cannot aim at a device, a bounded guessing budget, and
 * continuation messages bound to the source that authenticated the session.
 */
describe('OMA DM: lockout per source, guess budget, continuation binding', () => {
  let g: DmGateway;
  const proxy = new CutProxy();
  let direct: string;
  beforeAll(async () => {
    const url = await proxy.start();
    g = await startDmGateway({ PUBLIC_BASE_URL: url, DM_AUTH_GUESS_BUDGET: '10' });
    direct = `http://127.0.0.1:${g.gw.app.get(DeviceHttpServer).port}`;
    proxy.forwardTo(direct);
  });
  afterAll(async () => {
    await g?.close();
    await proxy.stop();
  });

  const attacker = (real: DmHandset, address: string) =>
    new DmHandset({ ...real.options, clientPassword: 'guess', agent: from(address) });

  it('failures from another source lock that source out, never the device at its own address', async () => {
    const dev = 'IMEI:351000000000001';
    const real = await provisionedHandset(g, dev, { encoding: 'xml' });
    const evil = attacker(real, '127.0.0.2');
    expect((await evil.runSession()).ended).toBe('auth-failed'); // 3 wrong: 127.0.0.2 locked
    const again = await evil.runSession();
    expect(again).toMatchObject({ ended: 'auth-failed', messages: 1 });
    await g.source.enqueue(dev, {
      id: 'mod',
      command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
    });
    expect(await real.runSession()).toMatchObject({ ended: 'completed', authenticated: true });
    expect(await g.source.results(dev)).toMatchObject([{ operationId: 'mod', status: 200 }]);
    const lockouts = (await g.source.events(dev)).filter(
      (e) => e.type === 'auth-failed' && e.reason.startsWith('locked out'),
    );
    expect(lockouts).toMatchObject([
      { reason: 'locked out: source 127.0.0.2 is locked out after 3 failed attempts' },
    ]);
  });

  it('wrong guesses from many sources are bounded per device; its last good source is still heard', async () => {
    const dev = 'IMEI:351000000000002';
    const real = await provisionedHandset(g, dev, { encoding: 'xml' });
    expect((await real.runSession()).ended).toBe('completed'); // 127.0.0.1 is the good source
    // four sources, three wrong guesses each: 12 > the budget of 10
    for (const a of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'])
      await attacker(real, a).runSession();
    // a fifth source is not even heard, with the right password
    const elsewhere = new DmHandset({ ...real.options, agent: from('127.0.0.7') });
    expect(await elsewhere.runSession()).toMatchObject({ ended: 'auth-failed', messages: 1 });
    const events = await g.source.events(dev);
    expect(events.at(-1)).toMatchObject({
      type: 'auth-failed',
      reason: expect.stringMatching(/^locked out: 1[0-2] wrong credentials for this device/),
    });
    // the device where it last authenticated is unaffected
    expect(await real.runSession()).toMatchObject({ ended: 'completed', authenticated: true });
  });

  it('a forged continuation from another source is refused and changes nothing', async () => {
    const dev = 'IMEI:351000000000003';
    const real = await provisionedHandset(g, dev, { encoding: 'xml' });
    await g.source.enqueue(dev, {
      id: 'mod',
      command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
    });
    let forged: { status: number; body: string } | undefined;
    proxy.decide = async (m): Promise<CutAction> => {
      if (m.n > 0 && m.body.toString('utf8').includes('<Results>') && !forged) {
        // the same session, MsgID and DevId, no credentials (as MD5 allows after the first
        // message), a made-up value, sent first from another address
        const lie = Buffer.from(
          m.body
            .toString('utf8')
            .replace(/<Data>[^<]*<\/Data>(?=<\/Item><\/Results>)/, '<Data>FORGED</Data>'),
        );
        expect(lie.toString('utf8')).toContain('FORGED');
        forged = await postFrom('127.0.0.8', `${direct}${m.path}`, lie, {
          'content-type': 'application/vnd.syncml.dm+xml',
        });
      }
      return 'forward';
    };
    const s = await real.runSession();
    proxy.decide = () => 'forward';
    expect(s.ended).toBe('completed');
    expect(forged?.status).toBe(200);
    expect(forged?.body).toMatch(
      /<Status><CmdID>1<\/CmdID><MsgRef>2<\/MsgRef><CmdRef>0<\/CmdRef><Cmd>SyncHdr<\/Cmd>.*<Data>401<\/Data>/,
    );
    const results = await g.source.results(dev);
    expect(results).toHaveLength(1);
    expect(results[0].items?.[0].data).not.toBe('FORGED');
    expect(results[0].items?.[0].data).toBe(String(real.tree.get('./DevInfo/Mod').value));
  });
});
