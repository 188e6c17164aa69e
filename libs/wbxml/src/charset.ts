import { WbxmlError } from './errors';

/** IANA MIBenum values a WBXML header may carry that this codec decodes. */
export const CHARSET_UTF8 = 106;
export const CHARSET_US_ASCII = 3;
export const CHARSET_ISO_8859_1 = 4;
export const CHARSET_UCS2 = 1000;
export const CHARSET_UTF16BE = 1013;
export const CHARSET_UTF16LE = 1014;
export const CHARSET_UTF16 = 1015;
export const CHARSET_UNKNOWN = 0;

const utf8Decoder = new TextDecoder('utf-8');
const utf16leDecoder = new TextDecoder('utf-16le');
const utf16beDecoder = new TextDecoder('utf-16be');

/** How strings are terminated and turned into JS strings for one document charset. */
export interface StringCodec {
  /** 1 for byte charsets, 2 for UTF-16 / UCS-2 (NUL is two zero bytes on an even boundary) */
  unitSize: 1 | 2;
  decode(bytes: Uint8Array, start: number, end: number): string;
}

/** UTF-8 with an ASCII fast path: most protocol strings are short and ASCII-only. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return utf8Decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) return utf8Decoder.decode(bytes.subarray(start, end));
  }
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

function decodeLatin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

const utf8Codec: StringCodec = { unitSize: 1, decode: decodeUtf8 };
const latin1Codec: StringCodec = { unitSize: 1, decode: decodeLatin1 };
const utf16beCodec: StringCodec = {
  unitSize: 2,
  decode: (b, s, e) => utf16beDecoder.decode(b.subarray(s, e)),
};
const utf16leCodec: StringCodec = {
  unitSize: 2,
  decode: (b, s, e) => utf16leDecoder.decode(b.subarray(s, e)),
};
/** UTF-16 without a declared byte order: a BOM decides per string, big-endian otherwise (RFC 2781). */
const utf16Codec: StringCodec = {
  unitSize: 2,
  decode(b, s, e) {
    if (e - s >= 2 && b[s] === 0xff && b[s + 1] === 0xfe) return utf16leCodec.decode(b, s + 2, e);
    if (e - s >= 2 && b[s] === 0xfe && b[s + 1] === 0xff) return utf16beCodec.decode(b, s + 2, e);
    return utf16beCodec.decode(b, s, e);
  },
};

export function stringCodecFor(charset: number, offset: number): StringCodec {
  switch (charset) {
    case CHARSET_UTF8:
    case CHARSET_UNKNOWN:
      return utf8Codec;
    case CHARSET_US_ASCII:
    case CHARSET_ISO_8859_1:
      return latin1Codec;
    case CHARSET_UTF16:
      return utf16Codec;
    case CHARSET_UTF16BE:
    case CHARSET_UCS2:
      return utf16beCodec;
    case CHARSET_UTF16LE:
      return utf16leCodec;
    default:
      throw new WbxmlError('unsupported-charset', `unsupported charset MIBenum ${charset}`, offset);
  }
}
