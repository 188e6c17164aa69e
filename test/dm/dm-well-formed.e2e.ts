import { encodeDmMessage, type DmMessage, type DmOperation } from '@dm-bridge/omadm';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseProvisioningXml, serializeProvisioningXml } from '@dm-bridge/omacp';
import { parseXml, serializeXml } from '@dm-bridge/wbxml';
import { DeviceHttpServer } from '../../apps/gateway/src/device-http/device-http.server';
import { CutProxy } from './support/cut-proxy';
import { startDmGateway, type DmGateway } from './support/gateway';
import { provisionedHandset } from './support/provisioned-handset';
import { notWellFormed } from './support/well-formed';

const reply = (version: '1.1' | '1.2'): DmMessage => ({
  version,
  header: {
    verDTD: version,
    verProto: version === '1.2' ? 'DM/1.2' : 'DM/1.1',
    sessionId: '1',
    msgId: '1',
    target: { locURI: 'IMEI:490154203237518' },
    source: { locURI: 'http://gw.example/dm' },
  },
  commands: [],
  final: true,
});

/**
 * Every XML text the DM side writes must be well-formed for parsers other than ours (issue 11:
 * the DOCTYPE had a public id without its system literal, which XML 1.0 forbids and which both
 * libxml2 and expat refuse).
 */
describe('OMA DM XML output is well-formed for xmllint and expat', () => {
  it('the checker refuses the DOCTYPE we used to write (so it can fail)', () => {
    const broken =
      '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN"><SyncML/>';
    const problems = notWellFormed([broken]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^xmllint/);
    expect(problems[1]).toMatch(/^expat .*syntax error: line 1, column 93/);
  });

  it.each(['1.2', '1.1'] as const)(
    'a SyncML %s reply carries the DOCTYPE with its system literal',
    (version) => {
      const xml = Buffer.from(encodeDmMessage(reply(version), 'xml')).toString('utf8');
      expect(xml).toContain(
        version === '1.2'
          ? '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">'
          : '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd">',
      );
      expect(notWellFormed([xml])).toEqual([]);
    },
  );

  it('a document whose public id has no known system id gets no DOCTYPE at all', () => {
    const xml = serializeXml({
      publicId: '-//EXAMPLE//DTD Unknown 1.0//EN',
      root: { kind: 'element', name: 'Doc', attributes: [], children: [] },
    });
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?><Doc/>');
    expect(notWellFormed([xml])).toEqual([]);
  });

  it('every shared XML vector, parsed and written again by our serializer, and its CP form', () => {
    const dir = resolve(__dirname, '../../../shared/vectors');
    const texts = readdirSync(dir)
      .filter((n) => n.endsWith('.xml'))
      .map((n) => readFileSync(join(dir, n), 'utf8'));
    expect(texts.length).toBeGreaterThan(4);
    const written = texts.map((t) => serializeXml(parseXml(t)));
    const cp = texts
      .filter((t) => t.includes('wap-provisioningdoc'))
      .map((t) => serializeProvisioningXml(parseProvisioningXml(t)));
    expect(cp.length).toBeGreaterThan(0);
    expect(notWellFormed([...written, ...cp])).toEqual([]);
  });

  describe('generated sessions through the gateway', () => {
    let g: DmGateway;
    const proxy = new CutProxy();
    beforeAll(async () => {
      const url = await proxy.start();
      g = await startDmGateway({ PUBLIC_BASE_URL: url });
      proxy.forwardTo(`http://127.0.0.1:${g.gw.app.get(DeviceHttpServer).port}`);
    });
    afterAll(async () => {
      await g?.close();
      await proxy.stop();
    });

    // a small seeded generator: the same sessions on every run
    let seed = 0x2545f491;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const TRICKY = ['<', '>', '&', '"', "'", ']]>', '&amp;', 'ü', '€', '😀', ' ', 'a', '\t', 'x'];
    const text = () =>
      Array.from({ length: 1 + rnd(40) }, () => TRICKY[rnd(TRICKY.length)]).join('');
    const operation = (i: number): DmOperation => {
      const id = `op${i}`;
      switch (rnd(5)) {
        case 0:
          return {
            id,
            command: {
              kind: 'Replace',
              items: [{ target: { locURI: './Vendor/dmbridge/sip/Registrar' }, data: text() }],
            },
          };
        case 1:
          return {
            id,
            command: {
              kind: 'Add',
              items: [{ target: { locURI: `./Vendor/dmbridge/N${i}` }, data: text() }],
            },
          };
        case 2:
          return {
            id,
            command: {
              kind: 'Get',
              items: [
                {
                  target: {
                    locURI: ['./DevInfo/Mod', './Vendor/dmbridge/sip', './DevDetail/SwV', './Nope'][
                      rnd(4)
                    ],
                  },
                },
              ],
            },
          };
        case 3:
          return {
            id,
            command: {
              kind: 'Delete',
              items: [{ target: { locURI: `./Vendor/dmbridge/N${rnd(i + 1)}` } }],
            },
          };
        default:
          return {
            id,
            command: { kind: 'Exec', items: [{ target: { locURI: './Vendor/dmbridge/Reboot' } }] },
          };
      }
    };

    it('every request and answer of 12 random sessions parses in xmllint and expat', async () => {
      const requests: Buffer[] = [];
      proxy.decide = (m) => {
        requests.push(m.body);
        return 'forward';
      };
      for (let s = 0; s < 12; s++) {
        const dev = `IMEI:35000000000${String(s).padStart(4, '0')}`;
        const h = await provisionedHandset(g, dev, {
          encoding: 'xml',
          clientAuth: (['md5', 'basic', 'hmac'] as const)[s % 3],
          serverAuth: (['none', 'md5', 'hmac'] as const)[rnd(3)],
          maxMsgSize: 1200 + rnd(3000),
        });
        await g.source.enqueue(dev, ...Array.from({ length: 1 + rnd(8) }, (_, i) => operation(i)));
        const summary = await h.runSession();
        expect(summary.ended).toBe('completed');
      }
      expect(proxy.answers.length).toBeGreaterThan(24);
      expect(notWellFormed([...requests, ...proxy.answers.map((a) => a.body)])).toEqual([]);
    });
  });
});
