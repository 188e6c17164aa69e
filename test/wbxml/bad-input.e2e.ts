/**
 * Hostile and broken WBXML (issue 2 §2 "Bad input"): every case must end in a WbxmlError carrying the
 * byte offset of the problem - never a hang, never another exception type.
 */
import fc from 'fast-check';
import {
  decodeWbxml,
  DecodeOptions,
  encodeWbxml,
  parseXml,
  WbxmlError,
  WbxmlErrorCode,
  XmlElement,
} from '@dm-bridge/wbxml';
import { fromHex, readVector } from './wbxml-test-support';

function decodeError(bytes: Uint8Array, options?: DecodeOptions): WbxmlError {
  try {
    decodeWbxml(bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(WbxmlError);
    return e as WbxmlError;
  }
  throw new Error('expected a WbxmlError');
}

function expectError(h: string, code: WbxmlErrorCode, offset: number, options?: DecodeOptions) {
  const e = decodeError(fromHex(h), options);
  expect({ code: e.code, offset: e.offset }).toEqual({ code, offset });
  expect(e.message).toContain(`at byte ${offset}`);
}

// SyncML 1.2 header: 03 a4 01 6a + strtbl; <SyncML> = 6d, <SyncHdr> = 6c, <VerDTD> = 71
const SYNCML = '03 a4 01 6a';
const PROV = '03 0b 6a';

describe('WBXML bad input', () => {
  it('truncated data: every proper prefix of a real message fails with a typed error', () => {
    for (const vector of ['dm_server_pkg2.wbxml', 'cp_bootstrap.nostrtbl.wbxml']) {
      const full = readVector(vector);
      for (let n = 0; n < full.length; n++) {
        const e = decodeError(full.subarray(0, n));
        expect(['truncated', 'length-past-buffer']).toContain(e.code);
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(n);
      }
    }
  });

  it('truncated: an element left open reports the end of the data', () => {
    expectError(`${SYNCML} 00 6d 6c`, 'truncated', 7);
  });

  it('truncated: an inline string without its NUL reports the STR_I token', () => {
    expectError(`${SYNCML} 00 6d 71 03 31 2e 32`, 'truncated', 7);
  });

  it('overlong mb_u_int32: more than 5 bytes', () => {
    expectError('03 81 80 80 80 80 00 6a 00 45 01', 'overlong-integer', 1);
  });

  it('overlong mb_u_int32: 5 bytes but more than 32 bits', () => {
    expectError('03 9f ff ff ff 7f 6a 00', 'overlong-integer', 1);
  });

  it('string-table offset out of range (STR_T)', () => {
    expectError(`${SYNCML} 03 61 62 00 6d 83 05 01`, 'string-table-range', 9);
  });

  it('string-table string that is not NUL-terminated inside the table', () => {
    expectError(`${SYNCML} 02 61 62 6d 83 00 01`, 'string-table-range', 8);
  });

  it('literal public id pointing outside the string table', () => {
    expectError('03 00 07 6a 02 61 00 45 01', 'string-table-range', 1);
  });

  it('LITERAL tag name outside the string table', () => {
    expectError(`${SYNCML} 00 44 09 01`, 'string-table-range', 5);
  });

  it('unknown tag token (0x30 is reserved on SyncML page 0)', () => {
    expectError(`${SYNCML} 00 6d 70 01 01`, 'unknown-token', 6);
  });

  it('unknown tag token on an undefined code page', () => {
    expectError(`${SYNCML} 00 6d 00 07 45 01 01`, 'unknown-token', 8);
  });

  it('unknown attribute-start token (PROV page 0 has no 0x4D)', () => {
    expectError(`${PROV} 00 c5 4d 01 01`, 'unknown-token', 5);
  });

  it('unknown attribute-value token (PROV page 0 has no 0x8D)', () => {
    expectError(`${PROV} 00 85 06 8d 01`, 'unknown-token', 6);
  });

  it('attribute value before any attribute start', () => {
    expectError(`${PROV} 00 85 03 61 00 01`, 'unknown-token', 5);
  });

  it('tag tokens with an unknown public id and no language override', () => {
    const e = decodeError(fromHex('03 7f 6a 00 45 01'));
    expect(e.code).toBe('unknown-token');
    expect(e.offset).toBe(4);
    expect(e.message).toContain('options.language');
  });

  it('END without an open element: right after the header', () => {
    expectError(`${SYNCML} 00 01`, 'unexpected-end', 5);
  });

  it('END without an open element: after the root closed', () => {
    expectError(`${SYNCML} 00 6d 6c 01 01 01`, 'unexpected-end', 9);
  });

  it('10,000-deep nesting stops at the depth limit (default 256)', () => {
    const bytes = new Uint8Array(5 + 10000);
    bytes.set(fromHex(`${SYNCML} 00`));
    bytes.fill(0x6d, 5);
    expectErrorBytes(bytes, 'depth-limit', 5 + 256);
  });

  it('10,000-deep nesting with the limit lifted still cannot overflow the stack', () => {
    const bytes = new Uint8Array(5 + 10000 + 10000);
    bytes.set(fromHex(`${SYNCML} 00`));
    bytes.fill(0x6d, 5, 5 + 10000);
    bytes.fill(0x01, 5 + 10000);
    const doc = decodeWbxml(bytes, { maxDepth: 20000 });
    let depth = 0;
    let el = doc.root;
    while (el.children.length > 0) {
      el = el.children[0] as typeof el;
      depth++;
    }
    expect(depth).toBe(9999);
  });

  it('OPAQUE length pointing past the buffer', () => {
    expectError(`${SYNCML} 00 6d 4f c3 64 61 62 63`, 'length-past-buffer', 8);
  });

  it('string-table length pointing past the buffer', () => {
    expectError(`${SYNCML} 81 00 6d 01`, 'length-past-buffer', 4);
  });

  it('configurable size limit', () => {
    const full = readVector('dm_server_pkg2.wbxml');
    expectErrorBytes(full, 'size-limit', 100, { maxBytes: 100 });
    expect(() => decodeWbxml(full, { maxBytes: full.length })).not.toThrow();
  });

  it('configurable depth limit', () => {
    const full = readVector('dm_server_pkg2.wbxml');
    expect(decodeError(full, { maxDepth: 3 }).code).toBe('depth-limit');
  });

  it('unsupported version byte and charset', () => {
    expectError('04 a4 01 6a 00 6d 01', 'unsupported-version', 0);
    expectError('03 a4 01 81 00 00 6d 01', 'unsupported-charset', 3);
  });

  it('bytes after the root element', () => {
    expectError(`${SYNCML} 00 6d 01 6d 01`, 'trailing-data', 7);
  });

  it('empty input', () => {
    expectError('', 'truncated', 0);
  });

  it('fuzz: random bytes and mutated real messages only ever raise WbxmlError', () => {
    const seeds = [
      readVector('dm_server_pkg2.wbxml'),
      readVector('dm_client_pkg1.nostrtbl.wbxml'),
      readVector('cp_bootstrap.wbxml'),
    ];
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(),
      )
      .map(([seed, edits, cut]) => {
        const b = seed.slice(0, Math.max(1, seed.length - (cut % 8)));
        for (const [at, v] of edits) b[at % b.length] = v;
        return b;
      });
    const random = fc.uint8Array({ maxLength: 64 }).map((b) => {
      const out = new Uint8Array(b.length + 4);
      out.set(fromHex('03 a4 01 6a'));
      out.set(b, 4);
      return out;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, random, fc.uint8Array({ maxLength: 32 })), (bytes) => {
        try {
          decodeWbxml(bytes, { decodeNested: true });
        } catch (e) {
          if (!(e instanceof WbxmlError) || e.code === 'internal') throw e;
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

function expectErrorBytes(
  bytes: Uint8Array,
  code: WbxmlErrorCode,
  offset: number,
  options?: DecodeOptions,
) {
  const e = decodeError(bytes, options);
  expect({ code: e.code, offset: e.offset }).toEqual({ code, offset });
}

describe('WBXML encoder rejects trees it cannot express', () => {
  it('a NUL character in text or an attribute value', () => {
    for (const bad of ['a\0b', 'é\0']) {
      const doc = parseXml('<SyncML><Data>x</Data></SyncML>');
      (doc.root.children[0] as XmlElement).children = [{ kind: 'text', text: bad }];
      expect(() => encodeWbxml(doc)).toThrow(WbxmlError);
    }
  });

  it('no language to be found', () => {
    expect(() => encodeWbxml(parseXml('<html/>'))).toThrow(/cannot tell the WBXML language/);
  });

  it('a cyclic or absurdly deep tree hits the depth limit', () => {
    const doc = parseXml('<SyncML><Item/></SyncML>');
    const item = doc.root.children[0] as XmlElement;
    item.children.push(item);
    const e = (() => {
      try {
        encodeWbxml(doc);
      } catch (err) {
        return err as WbxmlError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('depth-limit');
  });

  it('an unsupported version byte', () => {
    expect(() => encodeWbxml(parseXml('<SyncML/>'), { version: 4 })).toThrow(WbxmlError);
  });
});
