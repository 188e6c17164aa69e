import fc from 'fast-check';
import { CsvSplitter, JsonArraySplitter, RowSplitter } from './import-stream';

function feed(splitter: RowSplitter, text: string, cuts: number[]): unknown[] {
  const rows: unknown[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    rows.push(...splitter.push(text.slice(at, cut)));
    at = cut;
  }
  rows.push(...splitter.push(text.slice(at)), ...splitter.end());
  return rows;
}

describe('import splitters', () => {
  it('splits a JSON array at any chunk boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.string(), tags: fc.array(fc.string()), n: fc.integer() }), {
          maxLength: 20,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (items, cuts) => {
          const text = JSON.stringify(items, null, 1);
          expect(
            feed(
              new JsonArraySplitter(),
              text,
              cuts.map((c) => c % (text.length + 1)),
            ),
          ).toEqual(items);
        },
      ),
    );
  });

  it('refuses what is not an array', () => {
    expect(() => new JsonArraySplitter().push('{"id":1}')).toThrow(/array of devices/);
    const s = new JsonArraySplitter();
    s.push('[{"id":1}');
    expect(() => s.end()).toThrow(/not closed/);
  });

  it('reads CSV with quotes, maps columns to addressing/credentials/tags', () => {
    const csv =
      'id,protocol,msisdn,clientPassword,tags,model\r\n' +
      'a,omadm,+491701234567,"p,w""d",x;y,"Model\nTwo"\n' +
      'b,omacp,+491701234568,,,\n';
    for (const cut of [0, 5, 30, 60, csv.length]) {
      expect(feed(new CsvSplitter(), csv, [cut])).toEqual([
        {
          id: 'a',
          protocol: 'omadm',
          addressing: { msisdn: '+491701234567' },
          credentials: { clientPassword: 'p,w"d' },
          tags: ['x', 'y'],
          model: 'Model\nTwo',
        },
        { id: 'b', protocol: 'omacp', addressing: { msisdn: '+491701234568' }, credentials: {} },
      ]);
    }
  });
});
