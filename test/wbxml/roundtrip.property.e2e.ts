/**
 * Round-trip properties (issue 2 §3): random trees per language -> encode -> decode -> the same tree,
 * with and without a string table, for every WBXML version; and through XML text as well.
 */
import fc from 'fast-check';
import {
  decodeWbxml,
  encodeWbxml,
  LanguageId,
  parseXml,
  serializeXml,
  XmlDocument,
} from '@dm-bridge/wbxml';
import { documentArb } from './tree-arbitraries';
import { plainDoc } from './wbxml-test-support';

const LANGUAGES: LanguageId[] = [
  'syncml12',
  'syncml11',
  'metinf12',
  'devinf12',
  'devinf11',
  'prov10',
  'prov11',
  'dmddf12',
];

describe.each(LANGUAGES)('WBXML round trip: %s', (language) => {
  it.each([false, true])(
    'encode -> decode gives the same tree (string table: %s)',
    (stringTable) => {
      fc.assert(
        fc.property(
          documentArb(language),
          fc.constantFrom(0x01, 0x02, 0x03),
          fc.boolean(),
          (doc: XmlDocument, version, resetAttributePage) => {
            const bytes = encodeWbxml(doc, { stringTable, version, resetAttributePage });
            const back = decodeWbxml(bytes, { language });
            expect(plainDoc(back)).toEqual(plainDoc(doc));
            expect(back.wbxml?.version).toBe(version);
            // from the decoded tree on (adjacent texts merged), encoding is a fixed point
            const again = encodeWbxml(back, { stringTable, version, resetAttributePage });
            const third = encodeWbxml(decodeWbxml(again), {
              stringTable,
              version,
              resetAttributePage,
            });
            expect(third).toEqual(again);
          },
        ),
        { numRuns: 150 },
      );
    },
  );

  it('tree -> XML text -> tree -> WBXML -> tree keeps text documents intact', () => {
    fc.assert(
      fc.property(documentArb(language, { textOnly: true }), (doc: XmlDocument) => {
        const xml = serializeXml(doc);
        const reparsed = parseXml(xml, { keepWhitespace: true });
        expect(plainDoc(reparsed)).toEqual(plainDoc(doc));
        const back = decodeWbxml(encodeWbxml(reparsed, { language }), { language });
        expect(plainDoc(back)).toEqual(plainDoc(doc));
      }),
      { numRuns: 100 },
    );
  });
});
