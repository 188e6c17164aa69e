/**
 * Golden vectors from ../shared/vectors (libwbxml 0.11.8 and independent scripts; see its README.txt).
 * Byte-exact where README.txt says it is fair: *.canonical.wbxml for SyncML (STR_I everywhere, no
 * string table, WAP-192 §5.8) and *.nostrtbl.wbxml for CP (libwbxml/Kannel attribute-page policy,
 * omadm-cp-wap.md §1.5, §5). Everything else: the decoded tree must equal the XML source's tree.
 */
import * as path from 'path';
import { decodeWbxml, encodeWbxml, parseXml, serializeXml } from '@dm-bridge/wbxml';
import { ByteWriter } from '../../libs/wbxml/src/byte-writer';
import {
  filesUnder,
  fromHex,
  hex,
  plainDoc,
  readText,
  readVector,
  VECTORS,
  vectorPath,
} from './wbxml-test-support';

const SOURCES = ['dm_server_pkg2', 'dm_client_pkg1', 'cp_bootstrap', 'cp_unknown_parm_init'];

describe('WBXML golden vectors', () => {
  describe.each(SOURCES)('%s', (name) => {
    const source = parseXml(readText(vectorPath(`${name}.xml`)));
    const exact = name.startsWith('dm_') ? `${name}.canonical.wbxml` : `${name}.nostrtbl.wbxml`;

    it(`encodes byte for byte like ${exact}`, () => {
      expect(hex(encodeWbxml(source))).toBe(hex(readVector(exact)));
    });

    it('matches the .wbxml.hex transcription too', () => {
      const hexFile = exact.replace(/\.wbxml$/, '.wbxml.hex');
      expect(hex(encodeWbxml(source))).toBe(readText(vectorPath(hexFile)).trim());
    });

    const variants = [`${name}.wbxml`, `${name}.nostrtbl.wbxml`];
    if (name.startsWith('dm_')) variants.push(`${name}.canonical.wbxml`);
    it.each(variants)('decodes %s to the source tree', (file) => {
      const decoded = decodeWbxml(readVector(file));
      expect(plainDoc(decoded, { loose: true })).toEqual(plainDoc(source, { loose: true }));
      expect(decoded.publicId).toBe(source.publicId);
    });

    it('round-trips the decoded string-table variant back to the canonical bytes', () => {
      const decoded = decodeWbxml(readVector(`${name}.wbxml`));
      // libwbxml's table splits strings across STR_T/STR_I; the decoder merges them into one text node.
      const again = encodeWbxml(parseXml(serializeXml(decoded)));
      expect(hex(again)).toBe(hex(readVector(exact)));
    });
  });

  it('keeps the header facts (WAP-192 §5.4-5.6)', () => {
    const doc = decodeWbxml(readVector('dm_server_pkg2.nostrtbl.wbxml'));
    expect(doc.wbxml).toEqual({ version: 3, publicIdCode: 0x1201, charset: 106 });
    expect(doc.language).toBe('syncml12');
    const cp = decodeWbxml(readVector('cp_bootstrap.nostrtbl.wbxml'));
    expect(cp.wbxml).toEqual({ version: 3, publicIdCode: 0x0b, charset: 106 });
    expect(cp.language).toBe('prov10');
  });

  it('uses OPAQUE for Add/Replace item Data like libwbxml when asked (README.txt point 2)', () => {
    const source = parseXml(readText(vectorPath('dm_server_pkg2.xml')));
    expect(hex(encodeWbxml(source, { opaqueItemData: true }))).toBe(
      hex(readVector('dm_server_pkg2.nostrtbl.wbxml')),
    );
    const client = parseXml(readText(vectorPath('dm_client_pkg1.xml')));
    expect(hex(encodeWbxml(client, { opaqueItemData: true }))).toBe(
      hex(readVector('dm_client_pkg1.nostrtbl.wbxml')),
    );
  });

  it('encodes mb_u_int32 as in vectors.json uintvar_examples (WAP-192 §5.1)', () => {
    const examples = JSON.parse(readText(vectorPath('vectors.json'))).uintvar_examples as Record<
      string,
      string
    >;
    for (const [value, bytes] of Object.entries(examples)) {
      const w = new ByteWriter(8);
      w.mbUint32(Number(value));
      expect(hex(w.toBytes())).toBe(bytes);
      // and the decoder reads it back (as the code point of an ENTITY in <SyncML>)
      const root = decodeWbxml(fromHex(`03 a4 01 6a 00 6d 02 ${bytes} 01`)).root;
      expect(root.children).toEqual([{ kind: 'entity', codePoint: Number(value) }]);
    }
  });

  describe('real DM client traffic (../shared/vectors/dmclient, libdmclient)', () => {
    const wbxmlFiles = filesUnder(path.join(VECTORS, 'dmclient'), '.wbxml');
    it.each(wbxmlFiles.map((f) => path.relative(VECTORS, f)))('decodes %s like its .xml', (rel) => {
      const file = path.join(VECTORS, rel);
      const decoded = decodeWbxml(readVector(rel), { decodeNested: true });
      const xmlTwin = file.replace(/(\.body)?\.wbxml$/, '.decoded.xml');
      const twin = parseXml(readText(xmlTwin));
      expect(plainDoc(decoded, { loose: true, typeRewrite: true })).toEqual(
        plainDoc(twin, { loose: true, typeRewrite: true }),
      );
      // and our own encoding of it decodes to the same tree
      const again = decodeWbxml(encodeWbxml(decoded), { decodeNested: true });
      expect(plainDoc(again, { loose: true })).toEqual(plainDoc(decoded, { loose: true }));
    });
  });
});
