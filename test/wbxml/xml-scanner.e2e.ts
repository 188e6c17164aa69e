/**
 * The purpose-built XML scanner (parseXml) against the reference reader (fast-xml-parser, via
 * parseXmlReference): the same tree on every corpus and vector document and on generated documents
 * that use every feature of the subset; and a fuzz property (malformed input only ever raises
 * XmlParseError).
 */
import fc from 'fast-check';
import * as path from 'path';
import {
  LanguageId,
  parseXml,
  parseXmlReference,
  serializeXml,
  XmlDocument,
  XmlElement,
  XmlParseError,
} from '@dm-bridge/wbxml';
import { escapeText } from '../../libs/wbxml/src/xml/entities';
import { documentArb } from './tree-arbitraries';
import { CORPUS, filesUnder, plainDoc, readText, VECTORS } from './wbxml-test-support';

function sameAsReference(xml: string, options?: { keepWhitespace?: boolean }): XmlDocument {
  const ours = parseXml(xml, options);
  const reference = parseXmlReference(xml, options);
  expect(plainDoc(ours)).toEqual(plainDoc(reference));
  expect(ours.publicId).toBe(reference.publicId);
  expect(ours.systemId).toBe(reference.systemId);
  return ours;
}

describe('parseXml vs fast-xml-parser', () => {
  const documents = [...filesUnder(CORPUS, '.xml'), ...filesUnder(VECTORS, '.xml')].map((f) =>
    path.relative(path.dirname(CORPUS), f),
  );

  it.each(documents)('%s parses to the same tree', (rel) => {
    const xml = readText(path.join(path.dirname(CORPUS), rel));
    sameAsReference(xml);
    sameAsReference(xml, { keepWhitespace: true });
  });

  const LANGUAGES: LanguageId[] = ['syncml12', 'devinf12', 'prov10', 'dmddf12'];
  it.each(LANGUAGES)(
    'generated %s documents written in varied XML styles parse alike',
    (language) => {
      fc.assert(
        fc.property(
          documentArb(language, { textOnly: true }),
          fc.infiniteStream(fc.nat(99)),
          (doc, dice) => {
            const xml = writeVariedXml(doc, () => dice.next().value as number);
            const ours = sameAsReference(xml, { keepWhitespace: true });
            expect(plainDoc(ours)).toEqual(plainDoc(doc));
          },
        ),
        { numRuns: 200 },
      );
    },
  );

  it('reads the DOCTYPE public and system ids, skips comments, keeps PIs', () => {
    const doc = parseXml(
      "<?xml version='1.0'?>\n<!-- hi --><!DOCTYPE SyncML PUBLIC '-//SYNCML//DTD SyncML 1.2//EN' 'http://x/y.dtd'>" +
        '<?app one?><SyncML a = "1" ><!-- c --><?x y z?><Final/></SyncML><?app two?>',
    );
    expect(doc.publicId).toBe('-//SYNCML//DTD SyncML 1.2//EN');
    expect(doc.systemId).toBe('http://x/y.dtd');
    expect(doc.prolog).toEqual([{ kind: 'pi', target: 'app', data: 'one' }]);
    expect(doc.epilog).toEqual([{ kind: 'pi', target: 'app', data: 'two' }]);
    expect(doc.root.attributes).toEqual([{ name: 'a', value: '1' }]);
    expect(doc.root.children).toEqual([
      { kind: 'pi', target: 'x', data: 'y z' },
      { kind: 'element', name: 'Final', attributes: [], children: [] },
    ]);
  });

  it('reads CR LF and lone CR as LF, but keeps a &#13; reference', () => {
    const doc = parseXml('<a b="x\r\ny&#13;">p\r\nq\rr&#13;<![CDATA[s\r\nt]]></a>');
    expect(doc.root.attributes[0].value).toBe('x\ny\r');
    expect(doc.root.children).toEqual([{ kind: 'text', text: 'p\nq\nr\rs\nt' }]);
  });

  it('decodes entities, character references and CDATA', () => {
    const doc = parseXml(
      '<a t="&quot;&#65;&#x42;&apos;">x&lt;&amp;&gt;&#233;<![CDATA[<&>]]>&#x1F600;</a>',
    );
    expect(doc.root.attributes[0].value).toBe(`"AB'`);
    expect(doc.root.children).toEqual([{ kind: 'text', text: 'x<&>é<&>😀' }]);
  });

  it.each([
    ['<a>', 'document ends inside <a>', 1, 4],
    ['<a></b>', 'end tag </b> does not match <a>', 1, 4],
    ['<a>\n  <b x="1" x="2"/></a>', 'duplicate attribute x', 2, 12],
    ['<a>&nbsp;</a>', 'unknown entity &nbsp;', 1, 4],
    ['<a x=1/>', 'attribute x value is not quoted', 1, 6],
    ['<!DOCTYPE a [<!ENTITY e "x">]><a/>', 'DTD internal subsets are not supported', 1, 13],
    ['<a/><b/>', 'a second root element', 1, 5],
    ['text', 'text before the root element', 1, 1],
    ['', 'no root element', 1, 1],
    ['<a>&#0;</a>', 'invalid character reference &#0;', 1, 4],
  ])('rejects %j with a positioned XmlParseError', (xml, message, line, column) => {
    let error: unknown;
    try {
      parseXml(xml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XmlParseError);
    const e = error as XmlParseError;
    expect(e.message).toContain(message);
    expect({ line: e.line, column: e.column }).toEqual({ line, column });
  });

  it('limits nesting depth', () => {
    expect(() => parseXml('<a>'.repeat(10000))).toThrow(XmlParseError);
    expect(() => parseXml('<a>'.repeat(300) + '</a>'.repeat(300))).toThrow(/deeper than the limit/);
  });

  it('fuzz: mutated documents either parse consistently or raise XmlParseError', () => {
    const seeds = [...filesUnder(CORPUS, '.xml'), ...filesUnder(VECTORS, '.xml').slice(0, 6)].map(
      readText,
    );
    const alphabet = [
      '<',
      '>',
      '/',
      '&',
      ';',
      '"',
      "'",
      '=',
      '!',
      '?',
      '[',
      ']',
      '-',
      ' ',
      'a',
      '#',
      'x',
    ];
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.constantFrom(...alphabet), fc.boolean()), {
          minLength: 1,
          maxLength: 6,
        }),
      )
      .map(([seed, edits]) => {
        let s = seed;
        for (const [at, del, ins, insert] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + (insert ? ins : '') + s.slice(i + del);
        }
        return s;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 40 })), (xml) => {
        let doc: XmlDocument;
        try {
          doc = parseXml(xml);
        } catch (e) {
          if (!(e instanceof XmlParseError)) throw e;
          expect(e.line).toBeGreaterThanOrEqual(1);
          return;
        }
        // whatever we accept, we write back out and read identically
        expect(plainDoc(parseXml(serializeXml(doc)))).toEqual(plainDoc(doc));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Serializes with randomly chosen but equivalent spellings: quotes, references, CDATA, comments. */
function writeVariedXml(doc: XmlDocument, roll: () => number): string {
  let out = roll() < 50 ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
  if (doc.publicId !== undefined || roll() < 30) {
    out += `<!DOCTYPE ${doc.root.name} PUBLIC "${doc.publicId ?? '-//X//Y//EN'}" "http://example/x.dtd">\n`;
  }
  if (roll() < 30) out += '<!-- leading comment -->\n';
  out += writeElement(doc.root, roll);
  if (roll() < 30) out += '\n<!-- trailing -->\n';
  return out;
}

function writeElement(el: XmlElement, roll: () => number): string {
  let s = '<' + el.name;
  for (const a of el.attributes) {
    const single = !a.value.includes("'") && roll() < 40;
    const q = single ? "'" : '"';
    s += (roll() < 20 ? '\n  ' : ' ') + a.name + (roll() < 20 ? ' = ' : '=') + q;
    s += writeAttributeValue(a.value, q, roll) + q;
  }
  if (roll() < 15) s += ' ';
  if (el.children.length === 0 && roll() < 70) return s + '/>';
  s += '>';
  for (const c of el.children) {
    if (roll() < 10) s += '<!-- c -->';
    if (c.kind === 'element') s += writeElement(c, roll);
    else if (c.kind === 'text') s += writeText(c.text, roll);
  }
  return s + '</' + el.name + (roll() < 15 ? ' >' : '>');
}

function writeText(t: string, roll: () => number): string {
  const r = roll();
  // (a raw CR would be read back as LF, XML 1.0 §2.11)
  if (r < 25 && !t.includes(']]>') && !t.includes('\r')) return '<![CDATA[' + t + ']]>';
  if (r < 50)
    return [...t]
      .map((ch) => (/[a-z]/i.test(ch) && roll() < 20 ? `&#${ch.codePointAt(0)};` : escapeText(ch)))
      .join('');
  if (r < 60)
    return [...t]
      .map((ch) => (roll() < 30 ? `&#x${ch.codePointAt(0)!.toString(16)};` : escapeText(ch)))
      .join('');
  return escapeText(t).replace(/"/g, roll() < 50 ? '&quot;' : '"');
}

function writeAttributeValue(v: string, q: string, roll: () => number): string {
  let out = '';
  for (const ch of v) {
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === q) out += q === '"' ? '&quot;' : '&apos;';
    else if (ch === '>' && roll() < 50) out += '&gt;';
    else if (ch === '\t' || ch === '\n' || ch === '\r') out += `&#${ch.charCodeAt(0)};`;
    else out += ch;
  }
  return out;
}
