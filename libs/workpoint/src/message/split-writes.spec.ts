import fc from 'fast-check';
import {
  WorkpointItem,
  buildContactMeRequest,
  relatedGroupKey,
  serializeItem,
  splitWriteItems,
  utf8Length,
} from '..';

describe('splitWriteItems (DG p.69, p.71)', () => {
  it('keeps one file index, one key, the secure-mode set and the restart pair together', () => {
    const items: WorkpointItem[] = [
      { name: 'file-type', index: 1, value: 'RINGTONE' },
      { name: 'e164', value: '1' },
      { name: 'file-https-base-url', index: 1, value: 'https://x' },
      { name: 'restart-type', value: 'FactoryReset' },
      { name: 'restart-password', value: '124816' },
    ];
    expect(splitWriteItems(items, 2)).toEqual([
      [items[0], items[2]],
      [items[1]],
      [items[3], items[4]],
    ]);
    expect(relatedGroupKey({ name: 'dls-server-ca', index: 3, value: '' })).toBe('secure-mode');
  });

  it('refuses a related group larger than maxItems, and any item at maxItems=0 (seed 001)', () => {
    const key: WorkpointItem[] = [
      { name: 'function-key-def', index: 4, value: '1' },
      { name: 'key-label-unicode', index: 4, value: 'K4' },
      { name: 'select-dial', index: 4, value: '200' },
    ];
    expect(() => splitWriteItems(key, 2)).toThrow(
      'the related items "key#4": 3 item(s) must travel in one message, but the phone accepts at most 2 (maxItems)',
    );
    expect(() => splitWriteItems([{ name: 'e164', value: '1' }], 0)).toThrow(
      'an item: 1 item(s) must travel in one message, but the phone accepts at most 0 (maxItems)',
    );
    expect(splitWriteItems([{ name: 'e164', value: '1' }], -7)).toEqual([
      [{ name: 'e164', value: '1' }],
    ]);
  });

  it('respects the byte budget', () => {
    const big = (n: number): WorkpointItem => ({ name: `x${n}`, value: 'é'.repeat(400) });
    const chunks = splitWriteItems([big(1), big(2), big(3)], -1, 1700);
    expect(chunks.map((c) => c.length)).toEqual([2, 1]);
  });

  it('property: order-preserving partition within limits unless a single group is too big', () => {
    const item = fc.record({
      name: fc.constantFrom(
        'e164',
        'function-key-def',
        'key-label',
        'file-type',
        'file-name',
        'sntp-addr',
      ),
      index: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      value: fc.string({ maxLength: 30 }),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 30 }),
        fc.integer({ min: -1, max: 6 }),
        (raw, max) => {
          const items = raw.map((i) =>
            i.index === undefined ? { name: i.name, value: i.value } : i,
          );
          const sizes = new Map<string, number>();
          for (const it of items)
            sizes.set(relatedGroupKey(it), (sizes.get(relatedGroupKey(it)) ?? 0) + 1);
          if (max >= 0 && [...sizes.values()].some((n) => n > max)) {
            // an indivisible group beyond maxItems cannot be sent at all
            expect(() => splitWriteItems(items, max, 400)).toThrow(/maxItems/);
            return;
          }
          const chunks = splitWriteItems(items, max, 400);
          expect(chunks.flat().length).toBe(items.length);
          const groupsIn = (c: WorkpointItem[]) => new Set(c.map(relatedGroupKey));
          const seen = new Map<string, number>();
          chunks.forEach((c, i) => {
            for (const g of groupsIn(c)) {
              expect(seen.has(g)).toBe(false); // a group never spans two chunks
              seen.set(g, i);
            }
            const single = groupsIn(c).size === 1;
            if (!single && max > 0) expect(c.length).toBeLessThanOrEqual(max);
            if (!single)
              expect(c.reduce((n, it) => n + utf8Length(serializeItem(it)), 0)).toBeLessThanOrEqual(
                400,
              );
          });
        },
      ),
    );
  });
});

describe('buildContactMeRequest (DG p.14-15)', () => {
  it('POSTs ContactMe=true with the optional callback address as a form', () => {
    expect(
      buildContactMeRequest({ phone: '10.0.0.23', callbackHost: '10.0.0.1', callbackPort: 18443 }),
    ).toEqual({
      url: 'http://10.0.0.23:8085/contact_dls.html/ContactDLS',
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'Content-Length': '53',
      },
      body: 'ContactMe=true&dls_ip_addr=10.0.0.1&dls_ip_port=18443',
    });
    expect(buildContactMeRequest({ phone: 'http://p:9/contact_dls.html/ContactDLS' }).url).toBe(
      'http://p:9/contact_dls.html/ContactDLS',
    );
  });
});
