/**
 * @dm-bridge/wap-push WSP connectionless push PDUs (WAP-230 §8.2.4.1) seen by Wireshark's WSP
 * dissector, carried as WDP over UDP to port 2948 (WAP-259 §6.3, Wireshark's default WSP port):
 * - OMA CP pushes with every SEC method: content type application/vnd.wap.connectivity-wbxml with
 *   SEC and MAC parameters (OMA-WAP-TS-ProvBoot-V1_1 §5.3-5.4); the MAC Wireshark displays must be
 *   HMAC-SHA1 over exactly the WBXML bytes Wireshark delimits as the body.
 * - OMA DM package #0 pushes (OMA-TS-DM_Notification-V1_2_1 §7.1): content type
 *   application/vnd.syncml.notification, X-Wap-Application-Id x-wap-application:syncml.dm.
 *   Wireshark 4.0 has no package #0 dissector (`tshark -G protocols` lists no SyncML
 *   notification), so the body is checked as the bytes Wireshark hands on.
 */
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { buildCpPush, buildDmNotificationPush } from '@dm-bridge/wap-push';
import { wspOverUdp } from './support/carriers';
import { buildPcap, LINKTYPE_RAW } from './support/pcap';
import { CORPUS, readText, VECTORS, vectorHex } from './support/paths';
import {
  allExpertProblems,
  Dissection,
  dissectPcap,
  findFirst,
  onePacketFrom,
  PdmlNode,
  protocols,
  show,
  TSHARK_TEST_TIMEOUT_MS,
} from './support/tshark';
import { referenceTree } from './support/xml-reference';
import { fillTableGaps, readWbxmlView, toPlain } from './support/wbxml-view';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

const IMSI = '262019876543210';
const PIN = '1234';
/** Keys per ProvBoot 1.1 §5.3, as given in ../shared/vectors/README.txt (cp_key_netwpin.hex). */
const NETWPIN_KEY = vectorHex('cp_key_netwpin');
const KEYS: Record<string, Buffer> = {
  NETWPIN: NETWPIN_KEY,
  USERPIN: Buffer.from(PIN, 'ascii'),
  USERNETWPIN: Buffer.concat([NETWPIN_KEY, Buffer.from(PIN, 'ascii')]),
};
const SEC_CODES: Record<string, string> = { NETWPIN: '0x00', USERPIN: '0x01', USERNETWPIN: '0x02' };

const CP_DOCS = [path.join(VECTORS, 'cp_bootstrap.xml'), path.join(CORPUS, 'cp.xml')];
const SECS = ['NETWPIN', 'USERPIN', 'USERNETWPIN', 'NONE'] as const;

interface CpCase {
  file: string;
  sec: (typeof SECS)[number];
  port: number;
  datagram: Buffer;
  mac?: string;
  wbxml: Uint8Array;
}
interface DmCase {
  name: string;
  port: number;
  datagram: Buffer;
  pkg0: Uint8Array;
}

const cpCases: CpCase[] = [];
const dmCases: DmCase[] = [];
let port = 42000;
for (const file of CP_DOCS) {
  for (const sec of SECS) {
    const push = buildCpPush(readText(file), { sec, imsi: IMSI, pin: PIN, concatRef: 1 });
    const p = port++;
    cpCases.push({
      file,
      sec,
      port: p,
      datagram: wspOverUdp(p, push.wsp),
      mac: push.mac,
      wbxml: push.wbxml,
    });
  }
}
const NONCE16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
for (const [name, opts] of [
  ['v11 background, nonce', { version: 11, uiMode: 'background' as const, nonce: NONCE16 }],
  ['v12 not-specified, empty nonce', { version: 12, uiMode: 0, nonce: new Uint8Array(0) }],
  [
    'v11 user-interaction, vendor part',
    { version: 11, uiMode: 'user-interaction' as const, vendorSpecific: Buffer.from('vendor') },
  ],
] as const) {
  const push = buildDmNotificationPush({
    serverId: 'gw.example',
    serverPassword: 'secret',
    sessionId: 0x1234,
    ...opts,
  });
  const p = port++;
  dmCases.push({ name, port: p, datagram: wspOverUdp(p, push.wsp), pkg0: push.pkg0 });
}

/** The bytes of one protocol layer as Wireshark delimits it inside the datagram we built. */
function layerBytes(packet: PdmlNode, datagram: Buffer, proto: string): Buffer {
  const layer = [
    packet,
    ...(function* walk(n: PdmlNode): Generator<PdmlNode> {
      for (const c of n.children) {
        yield c;
        yield* walk(c);
      }
    })(packet),
  ].find((n) => n.kind === 'proto' && n.name === proto);
  if (!layer || layer.pos === undefined || layer.size === undefined)
    throw new Error(`no ${proto} layer`);
  return datagram.subarray(layer.pos, layer.pos + layer.size);
}

describe('WSP push PDUs dissected by Wireshark', () => {
  let d: Dissection;

  beforeAll(async () => {
    const all = [...cpCases.map((c) => c.datagram), ...dmCases.map((c) => c.datagram)];
    d = await dissectPcap(buildPcap(all, LINKTYPE_RAW));
  });

  it('no packet is malformed and there is no expert warning or error', () => {
    expect(allExpertProblems(d, ['wsp'])).toEqual([]);
  });

  describe.each(cpCases.map((c) => ({ ...c, name: `${path.basename(c.file)} SEC=${c.sec}` })))(
    'OMA CP $name',
    (c) => {
      const packet = () => onePacketFrom(d, c.port, 'wsp');

      it('Wireshark decodes raw:ip:udp:wsp:wbxml on port 2948', () => {
        expect(protocols(packet()).slice(-4)).toEqual(['ip', 'udp', 'wsp', 'wbxml']);
        expect(show(packet(), 'udp.dstport')).toBe('2948');
      });

      it('Push PDU, TID 1, content type application/vnd.wap.connectivity-wbxml', () => {
        expect(show(packet(), 'wsp.pdu_type')).toBe('0x06');
        expect(show(packet(), 'wsp.TID')).toBe('0x01');
        expect(show(packet(), 'wsp.header.content_type')).toBe(
          'application/vnd.wap.connectivity-wbxml',
        );
        // CP pushes carry no X-Wap-Application-Id (the content type routes them)
        expect(findFirst(packet(), 'wsp.header.x_wap_application_id')).toBeUndefined();
      });

      if (c.sec === 'NONE') {
        it('no SEC/MAC parameters', () => {
          expect(findFirst(packet(), 'wsp.parameter.sec')).toBeUndefined();
          expect(findFirst(packet(), 'wsp.parameter.mac')).toBeUndefined();
        });
      } else {
        it(`SEC=${c.sec} and a MAC that is HMAC-SHA1 over exactly the body Wireshark delimits`, () => {
          expect(show(packet(), 'wsp.parameter.sec')).toBe(SEC_CODES[c.sec]);
          const mac = show(packet(), 'wsp.parameter.mac');
          expect(mac).toBe(c.mac);
          const body = layerBytes(packet(), c.datagram, 'wbxml');
          expect(body.equals(Buffer.from(c.wbxml))).toBe(true);
          expect(mac).toBe(
            createHmac('sha1', KEYS[c.sec]).update(body).digest('hex').toUpperCase(),
          );
        });
      }

      it('the WBXML body renders as the source document', () => {
        const view = readWbxmlView(packet());
        const seen = fillTableGaps(toPlain(view.root));
        expect(seen).toEqual(referenceTree(readText(c.file)));
      });
    },
  );

  describe.each(dmCases)('OMA DM package #0 push: $name', (c) => {
    const packet = () => onePacketFrom(d, c.port, 'wsp');

    it('Push PDU, TID 0, content type application/vnd.syncml.notification, application id syncml.dm', () => {
      expect(show(packet(), 'wsp.pdu_type')).toBe('0x06');
      expect(show(packet(), 'wsp.TID')).toBe('0x00');
      expect(show(packet(), 'wsp.header.content_type')).toBe('application/vnd.syncml.notification');
      expect(show(packet(), 'wsp.header.x_wap_application_id')).toBe('x-wap-application:syncml.dm');
    });

    it('the body Wireshark hands on is exactly package #0', () => {
      const wsp = layerBytes(packet(), c.datagram, 'wsp');
      const headersLength = Number(show(packet(), 'wsp.headers_length'));
      // TID, PDU type, uintvar headers length (1 octet here), then the headers
      const body = wsp.subarray(3 + headersLength);
      expect(body.toString('hex')).toBe(Buffer.from(c.pkg0).toString('hex'));
    });
  });

  it('the golden DM package #0 WSP vectors decode the same way (v11 and v12)', async () => {
    const names = ['dm_pkg0_v11_ui0_nonce16_wsp_push', 'dm_pkg0_v12_ui0_empty_wsp_push'];
    const dg = names.map((n, i) => wspOverUdp(43000 + i, vectorHex(n)));
    const g = await dissectPcap(buildPcap(dg, LINKTYPE_RAW));
    expect(allExpertProblems(g, ['wsp'])).toEqual([]);
    for (let i = 0; i < names.length; i++) {
      const p = onePacketFrom(g, 43000 + i, 'wsp');
      expect(show(p, 'wsp.header.content_type')).toBe('application/vnd.syncml.notification');
      expect(show(p, 'wsp.header.x_wap_application_id')).toBe('x-wap-application:syncml.dm');
    }
  });
});
