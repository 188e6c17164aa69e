import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import {
  WorkpointEncodingError,
  WorkpointItem,
  WorkpointMessage,
  buildDlsMessage,
  buildWorkpointMessage,
  parseDlsMessage,
  parseWorkpointMessage,
} from '..';

describe('buildDlsMessage (canonical form, DG §2.2)', () => {
  it('writes declaration, default namespace, echoed nonce, Action and ItemList exactly', () => {
    expect(
      buildDlsMessage({
        nonce: 'N1',
        action: 'WriteItems',
        items: [
          { name: 'sntp-addr', value: 'pool.ntp.org' },
          { name: 'key-label-unicode', index: 3, value: 'A&B <"x">' },
          { name: 'empty', value: '' },
        ],
      }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<DLSMessage xmlns="http://www.siemens.com/DLS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.siemens.com/DLS">\n' +
        '  <Message nonce="N1">\n' +
        '   <Action>WriteItems</Action>\n' +
        '   <ItemList>\n' +
        '    <Item name="sntp-addr">pool.ntp.org</Item>\n' +
        '    <Item name="key-label-unicode" index="3">A&amp;B &lt;"x"&gt;</Item>\n' +
        '    <Item name="empty"/>\n' +
        '   </ItemList>\n' +
        '  </Message>\n' +
        '</DLSMessage>\n',
    );
  });

  it('omits ItemList when there are no items (DG p.34 ReadAllItems)', () => {
    expect(buildDlsMessage({ nonce: 'a"b', action: 'ReadAllItems', items: [] })).toContain(
      '<Message nonce="a&quot;b">\n   <Action>ReadAllItems</Action>\n  </Message>',
    );
  });

  it('refuses characters XML 1.0 cannot carry with a typed error', () => {
    expect(() =>
      buildDlsMessage({
        nonce: 'n',
        action: 'WriteItems',
        items: [{ name: 'x', value: 'a\u0001' }],
      }),
    ).toThrow(WorkpointEncodingError);
  });
});

// Values over the whole XML character range, including markup characters, CR/LF/TAB and astral chars.
const xmlChar = fc.oneof(
  fc.constantFrom('&', '<', '>', '"', "'", '\t', '\n', '\r', ' ', ']]>', '&amp;', '😀'),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
);
const xmlString = fc.array(xmlChar, { maxLength: 8 }).map((a) => a.join(''));
const itemArb: fc.Arbitrary<WorkpointItem> = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    index: fc.integer({ min: 0, max: 2000 }),
    value: xmlString,
    status: fc.constantFrom('failed', 'unknown item', 'read only', 'invalid data'),
  },
  { requiredKeys: ['name', 'value'] },
);
const messageArb: fc.Arbitrary<WorkpointMessage> = fc.record(
  {
    nonce: fc.stringMatching(/^[0-9A-F]{1,32}$/),
    maxItems: fc.integer({ min: -1, max: 500 }),
    fragment: fc.constantFrom('next' as const, 'final' as const),
    reason: fc.constantFrom('start-up', 'reply-to', 'solicited', 'clean-up'),
    action: fc.constantFrom('ReadAllItems', 'WriteItems'),
    status: fc.constantFrom('accepted', 'busy'),
    items: fc.array(itemArb, { maxLength: 6 }),
  },
  { requiredKeys: ['nonce', 'maxItems', 'fragment', 'reason', 'items'] },
);

const fxp = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (n) => n === 'Item',
});

describe('round trips and differential check against fast-xml-parser', () => {
  it('parseWorkpointMessage(buildWorkpointMessage(m)) = m', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const back = parseWorkpointMessage(buildWorkpointMessage(m));
        // CR inside text is written as &#13; and must come back
        expect(back).toEqual({ ...m, maxItems: m.maxItems < 0 ? -1 : m.maxItems });
      }),
      { numRuns: 300 },
    );
  });

  it('parseDlsMessage(buildDlsMessage(m)) keeps nonce, action and items', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Fa-f]{0,32}$/),
        fc.array(itemArb, { maxLength: 6 }),
        (nonce, items) => {
          const plain = items.map(({ status: _s, ...i }) => i);
          expect(
            parseDlsMessage(buildDlsMessage({ nonce, action: 'WriteItems', items: plain })),
          ).toEqual({
            nonce,
            action: 'WriteItems',
            items: plain,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('our parser and fast-xml-parser agree on every field (values without CR)', () => {
    fc.assert(
      fc.property(messageArb, (m0) => {
        const m = {
          ...m0,
          items: m0.items.map((i) => ({ ...i, value: i.value.replace(/\r/g, '') })),
        };
        const xml = buildWorkpointMessage(m);
        const ours = parseWorkpointMessage(xml);
        const msg = fxp.parse(xml).WorkpointMessage.Message;
        expect(ours.nonce).toBe(msg.nonce);
        expect(ours.maxItems).toBe(Number(msg.maxItems));
        expect(ours.fragment).toBe(msg.fragment);
        const rfc = msg.ReasonForContact;
        expect(ours.reason).toBe(typeof rfc === 'string' ? rfc : rfc['#text']);
        expect(ours.action).toBe(rfc.action);
        expect(ours.status).toBe(rfc.status);
        const theirs = (msg.ItemList?.Item ?? []).map((i: any) => ({
          name: i.name,
          value: i['#text'] ?? '',
          ...(i.index !== undefined ? { index: Number(i.index) } : {}),
          ...(i.status !== undefined ? { status: i.status } : {}),
        }));
        expect(ours.items).toEqual(theirs);
      }),
      { numRuns: 300 },
    );
  });
});
