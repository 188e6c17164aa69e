/**
 * @dm-bridge/wbxml seen by an independent decoder: Wireshark's WBXML dissector.
 *
 * Every SyncML DM 1.2, DevInf 1.2 and OMA Provisioning document from ../shared/corpus and
 * ../shared/vectors is encoded by our encoder (with and without string table, and with the
 * encoder's other options), carried the way it travels (SyncML: HTTP POST with
 * application/vnd.syncml.dm+wbxml, OMA DM 1.2 HTTP binding; CP: WSP push to UDP 2948 with
 * application/vnd.wap.connectivity-wbxml, WAP-230 §8.2.4.1), and dissected by tshark. The element
 * tree Wireshark renders (tag names from its code-page tables, attribute names/values, text, opaque
 * data) must equal the source XML as fast-xml-parser reads it, with no malformed/expert errors.
 */
import * as path from 'node:path';
import { EncodeOptions, xmlToWbxml } from '@dm-bridge/wbxml';
import { encodeWspPush } from '@dm-bridge/wap-push';
import { CARRIER_LAYERS, DM_HTTP_PORT, httpPost, tcpSession, wspOverUdp } from './support/carriers';
import { buildPcap, LINKTYPE_RAW } from './support/pcap';
import { CORPUS, FIXTURES, VECTORS, readText } from './support/paths';
import {
  allExpertProblems,
  Dissection,
  dissectPcap,
  expertProblems,
  findAll,
  onePacketFrom,
  TSHARK_TEST_TIMEOUT_MS,
  tsharkVersion,
} from './support/tshark';
import { elementsInNamespace, referenceTree } from './support/xml-reference';
import {
  fillTableGaps,
  PlainElement,
  PlainNode,
  readWbxmlView,
  tagPages,
  toPlain,
  WbxmlView,
  WIRESHARK_PROV_GAPS,
} from './support/wbxml-view';

jest.setTimeout(TSHARK_TEST_TIMEOUT_MS);

type Kind = 'syncml' | 'prov' | 'devinf';
interface Case {
  name: string;
  kind: Kind;
  file: string;
  options: EncodeOptions;
  port: number;
}

const SYNCML_FILES = [
  path.join(CORPUS, 'dm-server.xml'),
  path.join(CORPUS, 'dm-client.xml'),
  path.join(VECTORS, 'dm_server_pkg2.xml'),
  path.join(VECTORS, 'dm_client_pkg1.xml'),
];
const PROV_FILES = [
  path.join(CORPUS, 'cp.xml'),
  path.join(VECTORS, 'cp_bootstrap.xml'),
  path.join(VECTORS, 'cp_unknown_parm_init.xml'),
];
const DEVINF_FILES = [path.join(FIXTURES, 'devinf12.xml')];

const cases: Case[] = [];
let nextPort = 41000;
const add = (kind: Kind, file: string, options: EncodeOptions, label: string): void => {
  cases.push({ name: `${path.basename(file)} ${label}`, kind, file, options, port: nextPort++ });
};
for (const f of SYNCML_FILES) {
  add('syncml', f, {}, 'inline strings');
  add('syncml', f, { stringTable: true }, 'with string table');
  add('syncml', f, { opaqueItemData: true, stringTable: true }, 'string table + OPAQUE item data');
  add('syncml', f, { version: 0x01 }, 'WBXML 1.1');
}
for (const f of PROV_FILES) {
  add('prov', f, {}, 'inline strings');
  add('prov', f, { stringTable: true }, 'with string table');
  add('prov', f, { resetAttributePage: true }, 'attribute page reset before END');
}
for (const f of DEVINF_FILES) {
  add('devinf', f, {}, 'inline strings');
  add('devinf', f, { stringTable: true }, 'with string table');
}

/**
 * DevInf 1.2 tag tokens, code page 0 (OMA-TS-DS_DevInf-V1_2 §8 WBXML definitions). Wireshark 4.0
 * knows the DevInf 1.2 public id (0x1203) but has no tag table for it and renders Tag_0xNN; this
 * table, written from the specification, names them. It is deliberately not the codec's table.
 */
const DEVINF12_TAGS: Record<number, string> = {
  0x05: 'CTCap',
  0x06: 'CTType',
  0x07: 'DataStore',
  0x08: 'DataType',
  0x09: 'DevID',
  0x0a: 'DevInf',
  0x0b: 'DevTyp',
  0x0c: 'DisplayName',
  0x0d: 'DSMem',
  0x0e: 'Ext',
  0x0f: 'FwV',
  0x10: 'HwV',
  0x11: 'Man',
  0x12: 'MaxGUIDSize',
  0x13: 'MaxID',
  0x14: 'MaxMem',
  0x15: 'Mod',
  0x16: 'OEM',
  0x17: 'ParamName',
  0x18: 'PropName',
  0x19: 'Rx',
  0x1a: 'Rx-Pref',
  0x1b: 'SharedMem',
  0x1c: 'Size',
  0x1d: 'SourceRef',
  0x1e: 'SwV',
  0x1f: 'SyncCap',
  0x20: 'SyncType',
  0x21: 'Tx',
  0x22: 'Tx-Pref',
  0x23: 'ValEnum',
  0x24: 'VerCT',
  0x25: 'VerDTD',
  0x26: 'XNam',
  0x27: 'XVal',
  0x28: 'UTC',
  0x29: 'SupportNumberOfChanges',
  0x2a: 'SupportLargeObjs',
  0x2b: 'Property',
  0x2c: 'PropParam',
  0x2d: 'MaxOccur',
  0x2e: 'NoTruncate',
  0x30: 'Filter-Rx',
  0x31: 'FilterCap',
  0x32: 'FilterKeyword',
  0x33: 'FieldLevel',
  0x34: 'SupportHierarchicalSync',
};

function carrierFor(c: Case, wbxml: Uint8Array): Buffer[] {
  if (c.kind === 'prov') {
    const wsp = encodeWspPush({
      tid: 1,
      contentType: 'application/vnd.wap.connectivity-wbxml',
      body: wbxml,
    });
    return [wspOverUdp(c.port, wsp)];
  }
  // DevInf travels inside SyncML; Wireshark 4.0 maps application/vnd.syncml+wbxml (not the
  // -devinf+wbxml type) to its WBXML dissector, and the public id then selects DevInf.
  const type =
    c.kind === 'syncml' ? 'application/vnd.syncml.dm+wbxml' : 'application/vnd.syncml+wbxml';
  return tcpSession(c.port, DM_HTTP_PORT, [
    { fromClient: true, data: httpPost('/dm', type, wbxml) },
  ]);
}

function mergeText(el: PlainElement, opaqueAsText: boolean): PlainElement {
  const children: PlainNode[] = [];
  for (const c of el.children) {
    let t: string | undefined;
    if (typeof c === 'string') t = c;
    else if ('opaque' in c)
      t = opaqueAsText ? Buffer.from(c.opaque, 'hex').toString('utf8') : undefined;
    const last = children[children.length - 1];
    if (t !== undefined && typeof last === 'string') children[children.length - 1] = last + t;
    else if (t !== undefined) children.push(t);
    else children.push(typeof c === 'object' && 'name' in c ? mergeText(c, opaqueAsText) : c);
  }
  return { ...el, children };
}

function renameTags(el: PlainElement, table: Record<number, string>): PlainElement {
  const m = /^Tag_0x([0-9A-F]{2})$/i.exec(el.name);
  return {
    ...el,
    name: m ? (table[parseInt(m[1], 16)] ?? el.name) : el.name,
    children: el.children.map((c) =>
      typeof c === 'string' || 'opaque' in c ? c : renameTags(c, table),
    ),
  };
}

function allStrings(el: PlainElement): string[] {
  return [
    ...Object.values(el.attributes),
    ...el.children.flatMap((c) =>
      typeof c === 'string' ? [c] : 'opaque' in c ? [] : allStrings(c),
    ),
  ];
}

function doctypePublicId(xml: string): string {
  return /<!DOCTYPE\s+\S+\s+PUBLIC\s+"([^"]+)"/.exec(xml)?.[1] ?? '';
}

describe(`WBXML encoder output dissected by Wireshark (tshark ${safeVersion()})`, () => {
  let dissection: Dissection;
  const encoded = new Map<string, Uint8Array>();

  beforeAll(async () => {
    const packets: Buffer[] = [];
    for (const c of cases) {
      const wbxml = xmlToWbxml(readText(c.file), c.options);
      encoded.set(c.name, wbxml);
      packets.push(...carrierFor(c, wbxml));
    }
    dissection = await dissectPcap(buildPcap(packets, LINKTYPE_RAW), {
      decodeAs: [`tcp.port==${DM_HTTP_PORT},http`],
    });
  });

  it('tshark is installed', () => {
    expect(tsharkVersion()).toMatch(/^\d+\.\d+/);
  });

  describe.each(cases)('$name', (c) => {
    let view: WbxmlView;
    const xml = readText(c.file);
    const wbxmlPacket = () => onePacketFrom(dissection, c.port, 'wbxml');

    beforeAll(() => {
      view = readWbxmlView(wbxmlPacket());
    });

    it('header: version, public id from the DOCTYPE, UTF-8', () => {
      expect(view.version).toBe(`0x0${c.options.version ?? 3}`);
      expect(view.publicId).toBe(doctypePublicId(xml));
      expect(view.charset).toBe(106);
    });

    it('Wireshark reports no malformed packet and no expert warning/error', () => {
      const problems = expertProblems(wbxmlPacket(), CARRIER_LAYERS).map(
        (p) => `${p.severity}: ${p.message}`,
      );
      // DevInf: Wireshark 4.0 has no DevInf token table; that one warning is its limitation.
      const expected =
        c.kind === 'devinf' ? ['warning: Rendering of this content type not (yet) supported'] : [];
      expect(problems).toEqual(expected);
    });

    it('the element tree Wireshark renders equals the source XML', () => {
      let seen = mergeText(toPlain(view.root), true);
      if (c.kind === 'devinf') seen = renameTags(seen, DEVINF12_TAGS);
      if (c.kind === 'prov') seen = fillTableGaps(seen);
      expect(seen).toEqual(referenceTree(xml));
    });

    if (c.kind === 'prov') {
      it("only the documented gaps in Wireshark's PROV table are unnamed", () => {
        const unknown = view.unknownTokens.map((u) => u.replace(/ in .*$/, ''));
        for (const u of unknown) expect(Object.keys(WIRESHARK_PROV_GAPS)).toContain(u);
        const digestParms = (xml.match(/value="DIGEST"/g) ?? []).length;
        expect(unknown).toHaveLength(digestParms);
      });
    }

    if (c.kind === 'syncml') {
      it('MetInf elements are on tag code page 1, everything else on page 0', () => {
        const metinf = new Set(elementsInNamespace(xml, 'syncml:metinf'));
        const pages = tagPages(view.root).map((p) => {
          const [where, page] = p.split(/:(?=\d+$)/);
          return `${where}:${page}`;
        });
        expect(metinf.size).toBeGreaterThan(0);
        for (const p of pages) {
          const where = p.replace(/:\d+$/, '');
          expect(p).toBe(`${where}:${metinf.has(where) ? 1 : 0}`);
        }
      });
    }

    if (c.options.stringTable) {
      it('the string table is used for repeated strings: Wireshark lists entries and resolves STR_T', () => {
        const strings = allStrings(referenceTree(xml));
        const repeated = strings.some((s, i) => strings.indexOf(s) !== i);
        if (!repeated) {
          // e.g. cp_unknown_parm_init.xml: nothing repeats, so a table would only add bytes
          expect(path.basename(c.file)).toBe('cp_unknown_parm_init.xml');
          return;
        }
        expect(view.stringTable.length).toBeGreaterThan(0);
        expect(findAll(wbxmlPacket(), 'wbxml.str_t').length).toBeGreaterThan(0);
      });
    } else {
      it('no string table is sent', () => {
        expect(view.stringTable).toEqual([]);
        expect(findAll(wbxmlPacket(), 'wbxml.str_t')).toHaveLength(0);
      });
    }

    if (c.options.opaqueItemData) {
      it('<Data> of Add/Replace items travels as OPAQUE; other text as strings', () => {
        const opaque = findAll(wbxmlPacket(), 'wbxml.opaque_data').length;
        const itemData = (xml.match(/<Replace>[\s\S]*?<\/Replace>|<Add>[\s\S]*?<\/Add>/g) ?? [])
          .join('')
          .match(/<Item>[\s\S]*?<Data>/g);
        expect(opaque).toBe(itemData?.length ?? 0);
        expect(opaque).toBeGreaterThan(0);
      });
    }
  });

  it('nothing in the whole capture is malformed (apart from the DevInf rendering notice)', () => {
    const problems = allExpertProblems(dissection, CARRIER_LAYERS).filter(
      (p) => !p.includes('Rendering of this content type'),
    );
    expect(problems).toEqual([]);
  });
});

function safeVersion(): string {
  try {
    return tsharkVersion();
  } catch {
    return 'missing';
  }
}

/**
 * DevInf carried inside SyncML: <Data> of a Put holds a nested DevInf document, which travels as
 * OPAQUE holding a complete WBXML DevInf 1.2 document (OMA-TS-DS_DevInf-V1_2 §5, SyncML RepPro
 * §5.1.6 Data). Wireshark shows the OPAQUE bytes; those bytes, dissected on their own, must render
 * as the DevInf document.
 */
describe('SyncML Put with a nested DevInf document, dissected by Wireshark', () => {
  const file = path.join(FIXTURES, 'syncml-put-devinf.xml');
  const xml = readText(file);

  it.each([false, true])(
    'outer message and nested DevInf render as the source (string table: %s)',
    async (stringTable) => {
      const outer = xmlToWbxml(xml, { stringTable });
      const d1 = await dissectPcap(
        buildPcap(
          tcpSession(48000, DM_HTTP_PORT, [
            { fromClient: true, data: httpPost('/sync', 'application/vnd.syncml+wbxml', outer) },
          ]),
          LINKTYPE_RAW,
        ),
        { decodeAs: [`tcp.port==${DM_HTTP_PORT},http`] },
      );
      expect(allExpertProblems(d1, ['http'])).toEqual([]);
      const view = readWbxmlView(onePacketFrom(d1, 48000, 'wbxml'));
      const seen = toPlain(view.root);
      const expected = referenceTree(xml);

      // the outer tree is the source with <Data> holding one OPAQUE instead of the <DevInf> element
      const data = (n: PlainElement): PlainElement =>
        n.children.reduce<PlainElement | undefined>(
          (found, c) =>
            found ??
            (typeof c === 'object' && 'name' in c ? (c.name === 'Data' ? c : data(c)) : undefined),
          undefined,
        ) as PlainElement;
      const seenData = data(seen);
      expect(seenData.children).toHaveLength(1);
      const opaque = seenData.children[0] as { opaque: string };
      expect(typeof opaque.opaque).toBe('string');
      seenData.children = [];
      data(expected).children = [];
      expect(seen).toEqual(expected);

      // the OPAQUE bytes are a DevInf 1.2 document of their own
      const nested = Buffer.from(opaque.opaque, 'hex');
      const d2 = await dissectPcap(
        buildPcap(
          tcpSession(48001, DM_HTTP_PORT, [
            { fromClient: true, data: httpPost('/sync', 'application/vnd.syncml+wbxml', nested) },
          ]),
          LINKTYPE_RAW,
        ),
        { decodeAs: [`tcp.port==${DM_HTTP_PORT},http`] },
      );
      const inner = readWbxmlView(onePacketFrom(d2, 48001, 'wbxml'));
      expect(inner.publicId).toBe('-//SYNCML//DTD DevInf 1.2//EN');
      expect(renameTags(mergeText(toPlain(inner.root), false), DEVINF12_TAGS)).toEqual(
        referenceTree(readText(path.join(FIXTURES, 'devinf12.xml'))),
      );
    },
  );
});
