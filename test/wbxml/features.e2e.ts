/**
 * The less common parts of WBXML 1.3 (WAP-192) and of the protocol vocabularies, byte by byte:
 * charsets, literal public ids, LITERAL tag forms, ENTITY / EXT / PI tokens, nested documents in
 * OPAQUE, DM DDF on SyncML code page 2, and the PROV attribute-page options.
 */
import {
  decodeWbxml,
  element,
  encodeWbxml,
  opaque,
  parseXml,
  serializeXml,
  text,
  textOf,
  XmlDocument,
} from '@dm-bridge/wbxml';
import { fromHex, hex } from './wbxml-test-support';

const utf16 = (s: string, le = false) => {
  const b = Buffer.alloc(s.length * 2 + 2);
  for (let i = 0; i < s.length; i++) {
    if (le) b.writeUInt16LE(s.charCodeAt(i), i * 2);
    else b.writeUInt16BE(s.charCodeAt(i), i * 2);
  }
  return b.toString('hex');
};

describe('WBXML charsets (WAP-192 §5.6; IANA MIBenum)', () => {
  it('ISO-8859-1 (4) strings and string table', () => {
    const doc = decodeWbxml(fromHex('03 a4 01 04 04 e9 74 e9 00 6d 03 e0 00 83 00 01'));
    expect(doc.wbxml?.charset).toBe(4);
    expect(textOf(doc.root)).toBe('àété');
  });

  it('US-ASCII (3)', () => {
    expect(textOf(decodeWbxml(fromHex('03 a4 01 03 00 6d 03 41 42 00 01')).root)).toBe('AB');
  });

  it('UTF-16 (1015) big-endian with two-byte NUL terminators, in content and string table', () => {
    const doc = decodeWbxml(
      fromHex(
        `03 a4 01 87 77 ${(utf16('Zß').length / 2).toString(16).padStart(2, '0')} ${utf16('Zß')} 6d 03 ${utf16('日本')} 83 00 01`,
      ),
    );
    expect(textOf(doc.root)).toBe('日本Zß');
  });

  it('UTF-16 with a little-endian byte-order mark, and UTF-16LE (1014)', () => {
    const withBom = decodeWbxml(fromHex(`03 a4 01 87 77 00 6d 03 fffe ${utf16('hi', true)} 01`));
    expect(textOf(withBom.root)).toBe('hi');
    const le = decodeWbxml(fromHex(`03 a4 01 87 76 00 6d 03 ${utf16('€x', true)} 01`));
    expect(textOf(le.root)).toBe('€x');
  });

  it('UTF-8 multi-byte text both ways', () => {
    const doc: XmlDocument = {
      root: element('SyncML', [], [text('Grüße 😀')]),
      language: 'syncml12',
    };
    const bytes = encodeWbxml(doc);
    expect(hex(bytes)).toBe('03a4016a006d03' + Buffer.from('Grüße 😀').toString('hex') + '0001');
    expect(textOf(decodeWbxml(bytes).root)).toBe('Grüße 😀');
  });
});

describe('WBXML header and tag forms', () => {
  it('WBXML 1.0 has no charset field', () => {
    const doc = decodeWbxml(fromHex('00 a4 01 00 6d 01'));
    expect(doc.wbxml).toEqual({ version: 0, publicIdCode: 0x1201, charset: 106 });
  });

  it('literal public id from the string table picks the language (DM DDF has no well-known id)', () => {
    const xml =
      '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName></Node></MgmtTree>';
    const bytes = encodeWbxml(parseXml(xml));
    const fpi = Buffer.from('-//OMA//DTD-DM-DDF 1.2//EN\0').toString('hex');
    // same bytes xml2wbxml -n writes
    expect(hex(bytes)).toBe(`0300006a1b${fpi}0002607703312e3200016466036100010101`);
    const doc = decodeWbxml(bytes);
    expect(doc.publicId).toBe('-//OMA//DTD-DM-DDF 1.2//EN');
    expect(doc.language).toBe('dmddf12');
    expect(doc.wbxml?.publicIdCode).toBeUndefined();
  });

  it('LITERAL, LITERAL_C, LITERAL_A and LITERAL_AC tags and LITERAL attribute names', () => {
    // table: "x\0" "y\0" "a\0"; <SyncML><x/><y>t</y><x a="v"/><y a="v">t</y></SyncML>
    const bytes = fromHex(
      '03 a4 01 6a 06 78 00 79 00 61 00 6d 04 00 44 02 03 74 00 01 84 00 04 04 03 76 00 01 c4 02 04 04 03 76 00 01 03 74 00 01 01',
    );
    const root = decodeWbxml(bytes).root;
    expect(serializeXml({ root }, { declaration: false })).toBe(
      '<SyncML xmlns="SYNCML:SYNCML1.2"><x/><y>t</y><x a="v"/><y a="v">t</y></SyncML>',
    );
    const again = decodeWbxml(encodeWbxml({ root, language: 'syncml12' })).root;
    expect(again).toEqual(root);
  });

  it('ENTITY, EXT_I/EXT_T/EXT and PI tokens are kept, not dropped', () => {
    // strtbl "ext\0"; body PI before root; root with ENTITY, EXT_I_1, EXT_T_2 -> "ext", EXT_0, PI
    const bytes = fromHex(
      '03 a4 01 6a 04 65 78 74 00 43 04 00 03 64 00 01 6d 02 81 69 41 61 00 82 00 c0 43 04 00 01 01',
    );
    const doc = decodeWbxml(bytes);
    expect(doc.prolog).toEqual([{ kind: 'pi', target: 'ext', data: 'd' }]);
    expect(doc.root.children).toEqual([
      { kind: 'entity', codePoint: 0xe9 },
      { kind: 'ext', index: 1, form: 'inline', value: 'a' },
      { kind: 'ext', index: 2, form: 'table', tableRef: 0, value: 'ext' },
      { kind: 'ext', index: 0, form: 'empty' },
      { kind: 'pi', target: 'ext', data: '' },
    ]);
    expect(decodeWbxml(encodeWbxml(doc))).toEqual(doc);
  });

  it('attribute values may mix STR_T, ENTITY and OPAQUE (WBXML 1.3)', () => {
    // PROV: strtbl "ab\0"; <wap-provisioningdoc version="ab" + "é" + "cd">
    const doc = decodeWbxml(fromHex('03 0b 6a 03 61 62 00 85 45 83 00 02 81 69 c3 02 63 64 01'));
    expect(doc.root.attributes).toEqual([{ name: 'version', value: 'abécd' }]);
  });
});

describe('SyncML specifics', () => {
  const devinfXml =
    '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Results><Item><Data>' +
    '<DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD><Man>ACME</Man></DevInf>' +
    '</Data></Item></Results></SyncBody></SyncML>';

  it('DevInf inside <Data> travels as a complete nested WBXML document in OPAQUE', () => {
    const bytes = encodeWbxml(parseXml(devinfXml));
    const nested = '03a4036a004a6503312e32000151 03 41434d45 00 01 01'.replace(/ /g, '');
    expect(hex(bytes)).toBe(
      `03a4016a006d6b62544fc3${(nested.length / 2).toString(16)}${nested}0101010101`,
    );
    const plainDecode = decodeWbxml(bytes);
    const data = (((plainDecode.root.children[0] as any).children[0] as any).children[0] as any)
      .children[0].children[0];
    expect(data.kind).toBe('opaque');
    expect(data.nested).toBeUndefined();
    const nestedDecode = decodeWbxml(bytes, { decodeNested: true });
    expect(serializeXml(nestedDecode, { declaration: false, doctype: false })).toBe(devinfXml);
  });

  it('DM DDF (TNDS) elements use code page 2 inside SyncML 1.2', () => {
    const xml =
      '<SyncML xmlns="SYNCML:SYNCML1.2"><Results><Item><Data>' +
      '<MgmtTree xmlns="syncml:dmddf1.2"><Node><NodeName>x</NodeName><Format><chr/></Format></Node></MgmtTree>' +
      '</Data></Item></Results></SyncML>';
    const bytes = encodeWbxml(parseXml(xml));
    expect(hex(bytes)).toBe('03a4016a006d62544f000260646603780001' + '5c0b' + '01010101010101');
    expect(serializeXml(decodeWbxml(bytes), { declaration: false, doctype: false })).toBe(xml);
  });

  it('Format and Type resolve by namespace: MetInf page 1 vs DDF page 2', () => {
    const xml =
      '<SyncML xmlns="SYNCML:SYNCML1.2"><Meta><Format xmlns="syncml:metinf">b64</Format></Meta>' +
      '<Format xmlns="syncml:dmddf1.2"><b64/></Format></SyncML>';
    const bytes = encodeWbxml(parseXml(xml));
    expect(hex(bytes)).toContain('5a0001470362363400' + '01');
    expect(hex(bytes)).toContain('00025c0801');
    expect(serializeXml(decodeWbxml(bytes), { declaration: false, doctype: false })).toBe(xml);
  });

  it('binary OPAQUE data is kept as bytes and shown as base64 in XML', () => {
    const doc: XmlDocument = {
      root: element('SyncML', { xmlns: 'SYNCML:SYNCML1.2' }, [
        element('Data', [], [opaque(new Uint8Array([0, 1, 255]))]),
      ]),
      language: 'syncml12',
    };
    const bytes = encodeWbxml(doc);
    expect(hex(bytes)).toBe('03a4016a006d4fc3030001ff0101');
    expect(decodeWbxml(bytes).root).toEqual(doc.root);
    expect(serializeXml(decodeWbxml(bytes), { declaration: false })).toContain('<Data>AAH/</Data>');
  });
});

describe('PROV attribute code pages (omadm-cp-wap.md §1.5, §5)', () => {
  const xml =
    '<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION">' +
    '<parm name="APPID" value="w7"/><parm name="AAUTHTYPE" value="HTTP-BASIC,HTTP-DIGEST"/>' +
    '</characteristic></wap-provisioningdoc>';

  it('by default the attribute page persists across elements, as libwbxml and Kannel do', () => {
    const bytes = encodeWbxml(parseXml(xml));
    expect(hex(bytes)).toBe(
      '030b6a00' +
        'c54601' +
        'c6000155' +
        '01' +
        '87360000060377370001' +
        '870001330000069c000190' +
        '00009d01' +
        '0101',
    );
  });

  it('resetAttributePage switches back to page 0 before each attribute-list END', () => {
    const bytes = encodeWbxml(parseXml(xml), { resetAttributePage: true });
    expect(hex(bytes)).toBe(
      '030b6a00' +
        'c54601' +
        'c60001550000' +
        '01' +
        '87000136000006037737000' +
        '1' +
        '870001330000069c000190' +
        '00009d01' +
        '0101',
    );
    expect(serializeXml(decodeWbxml(bytes), { declaration: false, doctype: false })).toBe(xml);
  });

  it('AUTH-ENTITY values decode from page 0 and (as Wireshark has them) page 1', () => {
    const p0 = decodeWbxml(fromHex('03 0b 6a 00 87 4e 06 e0 01'));
    const p1 = decodeWbxml(fromHex('03 0b 6a 00 87 4e 06 00 01 e1 01'));
    expect(p0.root.attributes).toEqual([
      { name: 'name', value: 'AUTH-ENTITY' },
      { name: 'value', value: 'AAA' },
    ]);
    expect(p1.root.attributes[1]).toEqual({ name: 'value', value: 'HA' });
  });
});

describe('decoder input handling', () => {
  it('OPAQUE data is a copy, also when the input is a Node Buffer', () => {
    const input = Buffer.from('03a4016a006d4fc302abcd0101', 'hex');
    const doc = decodeWbxml(input);
    input.fill(0);
    const data = (doc.root.children[0] as { children: Array<{ data: Uint8Array }> }).children[0]
      .data;
    expect(hex(data)).toBe('abcd');
    expect(Buffer.isBuffer(data)).toBe(false);
  });
});
