/**
 * Differential check of @dm-bridge/wbxml against Wireshark on generated documents: random SyncML
 * DM 1.2 messages (SyncML code page 0 + MetInf code page 1) and random PROV documents (attribute
 * values mixing value tokens such as "http://", "GSM-GPRS", "APN" with free text, the case where an
 * encoder has to split values), encoded with and without string table, all in one capture and one
 * tshark run. The sample is deterministic (fixed seed), so a failure reproduces; the failing
 * document's XML is printed in the assertion message.
 */
import fc from 'fast-check';
import { xmlToWbxml } from '@dm-bridge/wbxml';
import { encodeWspPush } from '@dm-bridge/wap-push';
import { CARRIER_LAYERS, DM_HTTP_PORT, httpPost, tcpSession, wspOverUdp } from './support/carriers';
import { buildPcap, LINKTYPE_RAW } from './support/pcap';
import {
  allExpertProblems,
  Dissection,
  dissectPcap,
  onePacketFrom,
  TSHARK_TEST_TIMEOUT_MS,
} from './support/tshark';
import { fillTableGaps, readWbxmlView, toPlain } from './support/wbxml-view';
import { referenceTree } from './support/xml-reference';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

const SEED = 20261121;
const RUNS = 60;

/** SyncML 1.2 code page 0 and MetInf code page 1 tags (OMA-TS-SyncML_RepPro_V1_2 §8). */
const SYNCML_TAGS = [
  'Add',
  'Alert',
  'Archive',
  'Atomic',
  'Chal',
  'Cmd',
  'CmdID',
  'CmdRef',
  'Copy',
  'Cred',
  'Data',
  'Delete',
  'Exec',
  'Final',
  'Get',
  'Item',
  'Lang',
  'LocName',
  'LocURI',
  'Map',
  'MapItem',
  'Meta',
  'MsgID',
  'MsgRef',
  'NoResp',
  'NoResults',
  'Put',
  'Replace',
  'RespURI',
  'Results',
  'Search',
  'Sequence',
  'SessionID',
  'SftDel',
  'Source',
  'SourceRef',
  'Status',
  'Sync',
  'SyncBody',
  'SyncHdr',
  'Target',
  'TargetRef',
  'VerDTD',
  'VerProto',
  'NumberOfChanges',
  'MoreData',
];
const METINF_TAGS = [
  'Anchor',
  'EMI',
  'Format',
  'FreeID',
  'FreeMem',
  'Last',
  'Mark',
  'MaxMsgSize',
  'Mem',
  'MetInf',
  'Next',
  'NextNonce',
  'SharedMem',
  'Size',
  'Type',
  'Version',
  'MaxObjSize',
];
const CHARACTERISTICS = [
  'BOOTSTRAP',
  'NAPDEF',
  'PXLOGICAL',
  'PXPHYSICAL',
  'PORT',
  'APPLICATION',
  'APPADDR',
  'APPAUTH',
  'RESOURCE',
  'NAPAUTHINFO',
  'PXAUTHINFO',
  'VALIDITY',
  'CLIENTIDENTITY',
  'VENDORCONFIG',
];
const PARMS = [
  'NAME',
  'NAP-ADDRESS',
  'NAP-ADDRTYPE',
  'PROXY-ID',
  'PXADDR',
  'PXADDRTYPE',
  'PORTNBR',
  'SERVICE',
  'APPID',
  'ADDR',
  'TO-NAPID',
  'TO-PROXY',
  'URI',
  'STARTPAGE',
  'AAUTHLEVEL',
  'AAUTHNAME',
  'AAUTHSECRET',
  'PROVIDER-ID',
  'BEARER',
  'AUTHTYPE',
  'AUTHNAME',
  'AUTHSECRET',
  'DOMAIN',
  'COUNTRY',
];
const VALUE_PIECES = [
  'http://',
  'https://',
  'www.',
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  'GSM-GPRS',
  'APN',
  'IPV4',
  'IPV6',
  'PAP',
  'CHAP',
  'CO-WSP',
  'CL-WSP',
  'w2',
  'w7',
  'APPSRV',
  'CLIENT',
  'HTTP-BASIC',
  'HTTP-DIGEST',
  '1.0',
  'example',
  '9201',
  ',',
];

/** Printable text (ASCII and a few multi-byte characters), never empty after trimming. */
const textArb = fc
  .array(
    fc.oneof(
      fc.string({
        unit: fc.constantFrom(...'abcXYZ019 -_./:;,?=+*#%@!()[]{}'.split('')),
        minLength: 1,
        maxLength: 8,
      }),
      fc.constantFrom('é', '€', '日本', '😀', '&', '<', '>', '"', "'"),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((p) => p.join('').trim())
  .filter((t) => t.length > 0);

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type Tree = { tag: string; metinf: boolean; children: Array<Tree | string> };
function syncmlNode(depth: number): fc.Arbitrary<Tree> {
  const metinf = fc.record({
    tag: fc.constantFrom(...METINF_TAGS),
    metinf: fc.constant(true),
    children: fc.array(textArb, { maxLength: 1 }),
  });
  const leaf = fc.record({
    tag: fc.constantFrom(...SYNCML_TAGS),
    metinf: fc.constant(false),
    children: fc.array(textArb, { maxLength: 1 }),
  });
  if (depth === 0) return fc.oneof(leaf, metinf);
  return fc.oneof(
    leaf,
    metinf,
    fc.record({
      tag: fc.constantFrom(...SYNCML_TAGS),
      metinf: fc.constant(false),
      children: fc.array(syncmlNode(depth - 1), { minLength: 1, maxLength: 3 }),
    }),
  );
}

function syncmlXml(children: Tree[]): string {
  const render = (t: Tree): string => {
    const inner = t.children.map((c) => (typeof c === 'string' ? esc(c) : render(c))).join('');
    const ns = t.metinf ? ' xmlns="syncml:metinf"' : '';
    return inner ? `<${t.tag}${ns}>${inner}</${t.tag}>` : `<${t.tag}${ns}/>`;
  };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">\n' +
    `<SyncML xmlns="SYNCML:SYNCML1.2">${children.map(render).join('')}</SyncML>`
  );
}

const valueArb = fc
  .array(fc.oneof(fc.constantFrom(...VALUE_PIECES), textArb), { minLength: 1, maxLength: 4 })
  .map((p) => p.join(''));
type Charac = { type: string; parms: Array<{ name: string; value?: string }>; children: Charac[] };
function characArb(depth: number): fc.Arbitrary<Charac> {
  return fc.record({
    type: fc.constantFrom(...CHARACTERISTICS),
    parms: fc.array(
      fc.record({
        name: fc.constantFrom(...PARMS),
        value: fc.option(valueArb, { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
    children: depth === 0 ? fc.constant([]) : fc.array(characArb(depth - 1), { maxLength: 2 }),
  });
}

function provXml(cs: Charac[]): string {
  const render = (c: Charac): string =>
    `<characteristic type="${c.type}">` +
    c.parms
      .map((p) =>
        p.value === undefined
          ? `<parm name="${p.name}"/>`
          : `<parm name="${p.name}" value="${esc(p.value)}"/>`,
      )
      .join('') +
    c.children.map(render).join('') +
    '</characteristic>';
  return (
    '<?xml version="1.0"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">\n' +
    `<wap-provisioningdoc version="1.0">${cs.map(render).join('')}</wap-provisioningdoc>`
  );
}

interface Sample {
  kind: 'syncml' | 'prov';
  xml: string;
  stringTable: boolean;
  port: number;
}

const samples: Sample[] = [];
{
  let port = 47000;
  const syncml = fc.sample(fc.array(syncmlNode(4), { minLength: 1, maxLength: 4 }), {
    seed: SEED,
    numRuns: RUNS,
  });
  const prov = fc.sample(fc.array(characArb(3), { minLength: 1, maxLength: 3 }), {
    seed: SEED,
    numRuns: RUNS,
  });
  syncml.forEach((s, i) =>
    samples.push({ kind: 'syncml', xml: syncmlXml(s), stringTable: i % 2 === 1, port: port++ }),
  );
  prov.forEach((p, i) =>
    samples.push({ kind: 'prov', xml: provXml(p), stringTable: i % 2 === 1, port: port++ }),
  );
}

describe(`generated documents: our WBXML as Wireshark renders it (seed ${SEED})`, () => {
  let d: Dissection;
  beforeAll(async () => {
    const packets = samples.flatMap((s) => {
      const wbxml = xmlToWbxml(s.xml, { stringTable: s.stringTable });
      if (s.kind === 'prov') {
        const wsp = encodeWspPush({
          tid: 1,
          contentType: 'application/vnd.wap.connectivity-wbxml',
          body: wbxml,
        });
        return [wspOverUdp(s.port, wsp)];
      }
      return tcpSession(s.port, DM_HTTP_PORT, [
        { fromClient: true, data: httpPost('/dm', 'application/vnd.syncml.dm+wbxml', wbxml) },
      ]);
    });
    d = await dissectPcap(buildPcap(packets, LINKTYPE_RAW), {
      decodeAs: [`tcp.port==${DM_HTTP_PORT},http`],
    });
  });

  it('nothing is malformed', () => {
    expect(allExpertProblems(d, CARRIER_LAYERS)).toEqual([]);
  });

  it.each(['syncml', 'prov'] as const)('every %s document renders as its source XML', (kind) => {
    const mismatches: string[] = [];
    for (const s of samples.filter((x) => x.kind === kind)) {
      const seen = fillTableGaps(toPlain(readWbxmlView(onePacketFrom(d, s.port, 'wbxml')).root));
      const merged = JSON.stringify(seen, (_k, v: unknown) => v);
      const want = JSON.stringify(referenceTree(s.xml));
      if (merged !== want)
        mismatches.push(
          `${s.stringTable ? '[string table] ' : ''}${s.xml}\n  wireshark: ${merged}\n  expected:  ${want}`,
        );
    }
    expect(mismatches).toEqual([]);
  });
});
