import {
  WorkpointMessageError,
  WorkpointXmlError,
  parseDlsMessage,
  parseWorkpointMessage,
  sniffNonce,
} from '..';

// Shape reconstructed from the DG start-up example (DG p.33; ../shared/protocols/workpoint.md §2.3).
const START_UP = `<?xml version="1.0" encoding="UTF-8"?>
<WorkpointMessage xmlns="http://www.siemens.com/DLS"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.siemens.com/DLS">
  <Message nonce="0F1E2D3C4B5A69788796A5B4C3D2E1F0" maxItems="-1">
    <ReasonForContact>start-up</ReasonForContact>
    <ItemList>
      <Item name="device-type">OpenStage 40</Item>
      <Item name="software-version">V3 R5.21.0</Item>
      <Item name="mac-addr">00:1A:E8:00:00:01</Item>
      <Item name="key-label-unicode" index="3">Pick &amp; up</Item>
      <Item status="failed" name="user-pwd-unicode"/>
    </ItemList>
  </Message>
</WorkpointMessage>`;

describe('parseWorkpointMessage (DG §2.1 structure)', () => {
  it('reads nonce, maxItems, reason and items with index and status', () => {
    expect(parseWorkpointMessage(START_UP)).toEqual({
      nonce: '0F1E2D3C4B5A69788796A5B4C3D2E1F0',
      maxItems: -1,
      fragment: 'final',
      reason: 'start-up',
      items: [
        { name: 'device-type', value: 'OpenStage 40' },
        { name: 'software-version', value: 'V3 R5.21.0' },
        { name: 'mac-addr', value: '00:1A:E8:00:00:01' },
        { name: 'key-label-unicode', index: 3, value: 'Pick & up' },
        { name: 'user-pwd-unicode', value: '', status: 'failed' },
      ],
    });
  });

  it('reads reply-to action/status and fragment="next" (DG p.69-70)', () => {
    const m = parseWorkpointMessage(
      `<WorkpointMessage><Message nonce="ab" maxItems="5" fragment="next"><ReasonForContact action="ReadAllItems" status="accepted">reply-to</ReasonForContact><ItemList/></Message></WorkpointMessage>`,
    );
    expect(m).toEqual({
      nonce: 'ab',
      maxItems: 5,
      fragment: 'next',
      reason: 'reply-to',
      action: 'ReadAllItems',
      status: 'accepted',
      items: [],
    });
  });

  it('is lenient: no declaration, prefixed namespace, odd root case, unknown attributes, comments, CDATA, BOM', () => {
    const m = parseWorkpointMessage(
      `\uFEFF<!-- hi --><dls:workpointmessage xmlns:dls="urn:other" foo="bar"><dls:Message nonce=' n1 ' extra="1">` +
        `<dls:ReasonForContact>solicited</dls:ReasonForContact><dls:ItemList><dls:Item name="e164" type="x"><![CDATA[a<b]]></dls:Item>` +
        `<Unknown/></dls:ItemList></dls:Message></dls:workpointmessage>`,
    );
    expect(m.nonce).toBe('n1');
    expect(m.reason).toBe('solicited');
    expect(m.items).toEqual([{ name: 'e164', value: 'a<b' }]);
  });

  it('accepts an ItemList placed beside Message (seen in the wild)', () => {
    const m = parseWorkpointMessage(
      `<WorkpointMessage><Message nonce="x"><ReasonForContact>status</ReasonForContact></Message><ItemList><Item name="a">1</Item></ItemList></WorkpointMessage>`,
    );
    expect(m.items).toEqual([{ name: 'a', value: '1' }]);
  });

  it('normalises CRLF in text and decodes &#13;', () => {
    const m = parseWorkpointMessage(
      `<WorkpointMessage><Message nonce="x"><ReasonForContact>status</ReasonForContact><ItemList><Item name="a">l1\r\nl2&#13;</Item></ItemList></Message></WorkpointMessage>`,
    );
    expect(m.items[0].value).toBe('l1\nl2\r');
  });

  it.each([
    ['<WorkpointMessage><Message nonce="x">', WorkpointXmlError],
    ['<WorkpointMessage><Message nonce="x"></Msg></WorkpointMessage>', WorkpointXmlError],
    ['<WorkpointMessage a="1" a="2"/>', WorkpointXmlError],
    ['<WorkpointMessage>&bogus;</WorkpointMessage>', WorkpointXmlError],
    ['<WorkpointMessage/><x/>', WorkpointXmlError],
    ['', WorkpointXmlError],
    ['<DLSMessage/>', WorkpointMessageError],
    [
      '<WorkpointMessage><Message><ReasonForContact>x</ReasonForContact></Message></WorkpointMessage>',
      WorkpointMessageError,
    ],
    ['<WorkpointMessage><Message nonce="1"/></WorkpointMessage>', WorkpointMessageError],
    [
      '<WorkpointMessage><Message nonce="1"><ReasonForContact>x</ReasonForContact><ItemList><Item>v</Item></ItemList></Message></WorkpointMessage>',
      WorkpointMessageError,
    ],
  ])('rejects %j with a typed error', (xml, type) => {
    expect(() => parseWorkpointMessage(xml)).toThrow(type);
  });

  it('rejects deep nesting instead of recursing', () => {
    const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
    expect(() => parseWorkpointMessage(deep)).toThrow(/nested too deeply/);
  });

  it('sniffs the nonce of an unparsable body for the CleanUp', () => {
    expect(sniffNonce('<WorkpointMessage><Message maxItems="-1" nonce="ABC"><Reason')).toBe('ABC');
    expect(sniffNonce('garbage')).toBe('');
  });
});

describe('parseDlsMessage', () => {
  it('reads Action and items', () => {
    expect(
      parseDlsMessage(
        '<DLSMessage xmlns="http://www.siemens.com/DLS"><Message nonce="n"><Action>WriteItems</Action><ItemList><Item name="sntp-addr">pool.ntp.org</Item></ItemList></Message></DLSMessage>',
      ),
    ).toEqual({
      nonce: 'n',
      action: 'WriteItems',
      items: [{ name: 'sntp-addr', value: 'pool.ntp.org' }],
    });
  });
  it('rejects an unknown Action', () => {
    expect(() =>
      parseDlsMessage(
        '<DLSMessage><Message nonce="n"><Action>Dance</Action></Message></DLSMessage>',
      ),
    ).toThrow(/unknown Action "Dance"/);
  });
});
