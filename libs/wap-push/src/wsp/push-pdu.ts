import { concatBytes } from '../bytes';
import { WspPduError } from '../errors';
import {
  CONTENT_TYPE_CODES,
  HEADER_X_WAP_APPLICATION_ID,
  PARAMETER_CODES,
  PARAM_CHARSET,
  PARAM_MAC,
  PARAM_SEC,
  PUSH_APPLICATION_ID_CODES,
  WELL_KNOWN_CONTENT_TYPES,
  WELL_KNOWN_HEADERS,
  WELL_KNOWN_PARAMETERS,
  WSP_PDU_CONFIRMED_PUSH,
  WSP_PDU_PUSH,
} from './tables';
import { ByteReader, encodeUintvar } from './uintvar';
import {
  encodeIntegerValue,
  encodeTextString,
  encodeValueLength,
  hex2,
  readIntegerOrText,
  readIntegerValue,
  readValueLength,
} from './values';

/** A content-type parameter. `code` (well-known token) wins over `name` when both are set. */
export interface WspParameter {
  name: string;
  value: string | number;
  code?: number;
}

/**
 * A push header other than Content-Type and X-Wap-Application-Id. Decoded well-known headers
 * keep `code` and `raw` (the encoded field value) so they re-encode byte for byte; `value` is
 * the text or short-integer reading when the value has that form.
 */
export interface WspHeader {
  name: string;
  value?: string | number;
  code?: number;
  raw?: Uint8Array;
}

export interface WspPushInput {
  /** Transaction id; receivers ignore it for connectionless push. Default 0. */
  tid?: number;
  /** Media type name (well-known names are sent as their short code) or a WSP code. */
  contentType: string | number;
  contentTypeParams?: readonly WspParameter[];
  /** X-Wap-Application-Id: an OMNA code (7 = syncml.dm) or an application URI. */
  applicationId?: number | string;
  headers?: readonly WspHeader[];
  body: Uint8Array;
}

export interface WspPush {
  tid: number;
  /** 0x06 Push (0x07 ConfirmedPush is also read, for diagnostics). */
  pduType: number;
  /** Well-known name when the code is known, the code itself otherwise, or the text form. */
  contentType: string | number;
  contentTypeCode?: number;
  contentTypeParams: WspParameter[];
  applicationId?: number | string;
  headers: WspHeader[];
  /** Value of the HeadersLen field. */
  headersLength: number;
  body: Uint8Array;
}

const CHARSET_CODES: ReadonlyMap<string, number> = new Map([
  ['utf-8', 106],
  ['us-ascii', 3],
  ['iso-8859-1', 4],
]);

function encodeParameter(p: WspParameter): Uint8Array {
  const code = p.code ?? PARAMETER_CODES.get(p.name.toLowerCase());
  if (code === undefined) {
    const value =
      typeof p.value === 'number' ? encodeIntegerValue(p.value) : encodeTextString(p.value);
    return concatBytes([encodeTextString(p.name), value]);
  }
  const token = encodeIntegerValue(code);
  if (code === PARAM_SEC) {
    if (typeof p.value !== 'number' || !Number.isInteger(p.value) || p.value < 0 || p.value > 127) {
      throw new WspPduError('WSP_INVALID', `SEC must be a short-integer 0..127, got ${p.value}`);
    }
    return concatBytes([token, encodeIntegerValue(p.value)]);
  }
  if (code === PARAM_MAC) return concatBytes([token, encodeTextString(String(p.value))]);
  if (code === PARAM_CHARSET) {
    const cs =
      typeof p.value === 'number' ? p.value : CHARSET_CODES.get(String(p.value).toLowerCase());
    if (cs === undefined) {
      throw new WspPduError('WSP_UNSUPPORTED', `unknown charset for WSP encoding: ${p.value}`);
    }
    return concatBytes([token, encodeIntegerValue(cs)]);
  }
  const value =
    typeof p.value === 'number' ? encodeIntegerValue(p.value) : encodeTextString(p.value);
  return concatBytes([token, value]);
}

function resolveContentType(contentType: string | number): number | string {
  if (typeof contentType === 'number') return contentType;
  return CONTENT_TYPE_CODES.get(contentType.toLowerCase()) ?? contentType;
}

/** Content-type-value (WAP-230 §8.4.2.24): Constrained-media or Content-general-form. */
export function encodeContentType(
  contentType: string | number,
  params: readonly WspParameter[] = [],
): Uint8Array {
  const media = resolveContentType(contentType);
  if (params.length === 0) {
    if (typeof media === 'number' && media < 0x80) return Uint8Array.of(0x80 | media);
    if (typeof media === 'string') return encodeTextString(media);
  }
  const mediaBytes =
    typeof media === 'number' ? encodeIntegerValue(media) : encodeTextString(media);
  const inner = concatBytes([mediaBytes, ...params.map(encodeParameter)]);
  return concatBytes([encodeValueLength(inner.length), inner]);
}

function encodeApplicationId(id: number | string): Uint8Array {
  const code = typeof id === 'number' ? id : PUSH_APPLICATION_ID_CODES.get(id.toLowerCase());
  const value = code === undefined ? encodeTextString(String(id)) : encodeIntegerValue(code);
  return concatBytes([Uint8Array.of(0x80 | HEADER_X_WAP_APPLICATION_ID), value]);
}

function encodeHeader(h: WspHeader): Uint8Array {
  if (h.code !== undefined && h.raw) return concatBytes([Uint8Array.of(0x80 | h.code), h.raw]);
  const code =
    h.code ?? WELL_KNOWN_HEADERS.findIndex((n) => n.toLowerCase() === h.name.toLowerCase());
  if (h.value === undefined) {
    throw new WspPduError('WSP_INVALID', `header ${h.name} has neither value nor raw bytes`);
  }
  const value =
    typeof h.value === 'number' ? encodeIntegerValue(h.value) : encodeTextString(h.value);
  if (code >= 0 && code < 0x80) return concatBytes([Uint8Array.of(0x80 | code), value]);
  if (typeof h.value === 'number') {
    throw new WspPduError('WSP_INVALID', `application header ${h.name} needs a text value`);
  }
  return concatBytes([encodeTextString(h.name), value]);
}

/**
 * Encodes a WSP connectionless Push PDU (WAP-230 §8.2.4.1):
 * TID | 0x06 | HeadersLen(uintvar) | Content-Type | Headers | Data.
 */
export function encodeWspPush(input: WspPushInput): Uint8Array {
  const tid = input.tid ?? 0;
  if (!Number.isInteger(tid) || tid < 0 || tid > 255) {
    throw new WspPduError('WSP_INVALID', `TID must be 0..255, got ${tid}`);
  }
  const parts: Uint8Array[] = [encodeContentType(input.contentType, input.contentTypeParams)];
  if (input.applicationId !== undefined) parts.push(encodeApplicationId(input.applicationId));
  for (const h of input.headers ?? []) parts.push(encodeHeader(h));
  const headers = concatBytes(parts);
  return concatBytes([
    Uint8Array.of(tid, WSP_PDU_PUSH),
    encodeUintvar(headers.length),
    headers,
    input.body,
  ]);
}

function readParameter(r: ByteReader): WspParameter {
  const b = r.peek('parameter');
  if (b >= 0x80 || b <= 30) {
    const code = readIntegerValue(r, 'parameter token');
    const name = WELL_KNOWN_PARAMETERS[code] ?? `0x${hex2(code)}`;
    if (code === PARAM_SEC) return { name, code, value: readIntegerValue(r, 'SEC value') };
    if (code === PARAM_MAC) {
      const mac = readIntegerOrText(r, 'MAC value');
      return { name, code, value: mac };
    }
    if (code === PARAM_CHARSET) {
      return { name, code, value: readIntegerValue(r, 'Charset value') };
    }
    return { name, code, value: readIntegerOrText(r, `${name} value`) };
  }
  const name = r.cstring('parameter name');
  return { name, value: readIntegerOrText(r, `${name} value`) };
}

function readContentType(
  r: ByteReader,
): Pick<WspPush, 'contentType' | 'contentTypeCode' | 'contentTypeParams'> {
  const b = r.peek('Content-Type');
  if (b >= 0x80) {
    r.pos++;
    const code = b & 0x7f;
    return {
      contentType: WELL_KNOWN_CONTENT_TYPES[code] ?? code,
      contentTypeCode: code,
      contentTypeParams: [],
    };
  }
  if (b >= 32 || b === 0) {
    return { contentType: r.cstring('Content-Type'), contentTypeParams: [] };
  }
  const len = readValueLength(r, 'Content-Type length');
  if (len > r.remaining) {
    throw new WspPduError(
      'WSP_TRUNCATED',
      `truncated PDU: Content-Type value length ${len} exceeds the headers`,
    );
  }
  const inner = new ByteReader(r.bytes, r.pos, r.pos + len);
  r.pos += len;
  const first = inner.peek('media type');
  let contentType: string | number;
  let contentTypeCode: number | undefined;
  if (first >= 0x80 || first <= 30) {
    contentTypeCode = readIntegerValue(inner, 'media type');
    contentType = WELL_KNOWN_CONTENT_TYPES[contentTypeCode] ?? contentTypeCode;
  } else {
    contentType = inner.cstring('media type');
  }
  const contentTypeParams: WspParameter[] = [];
  while (inner.remaining > 0) contentTypeParams.push(readParameter(inner));
  return { contentType, contentTypeCode, contentTypeParams };
}

/** Raw bytes of a well-known header's field value (any of the four value forms). */
function readFieldValueRaw(r: ByteReader, what: string): Uint8Array {
  const start = r.pos;
  const b = r.peek(what);
  if (b >= 0x80) r.pos++;
  else if (b <= 31) {
    const len = readValueLength(r, what);
    r.take(len, what);
  } else r.cstring(what);
  return r.bytes.slice(start, r.pos);
}

/** Decodes a WSP Push (or ConfirmedPush) PDU; throws WspPduError on malformed input. */
export function decodeWspPush(bytes: Uint8Array): WspPush {
  const r = new ByteReader(bytes);
  const tid = r.u8('TID');
  const pduType = r.u8('PDU type');
  if (pduType !== WSP_PDU_PUSH && pduType !== WSP_PDU_CONFIRMED_PUSH) {
    throw new WspPduError('WSP_INVALID', `not a push PDU: PDU type 0x${hex2(pduType)}`);
  }
  const headersLength = r.uintvar('HeadersLen');
  if (headersLength > r.remaining) {
    throw new WspPduError(
      'WSP_TRUNCATED',
      `truncated PDU: HeadersLen ${headersLength} but only ${r.remaining} byte(s) follow`,
    );
  }
  if (headersLength === 0) throw new WspPduError('WSP_INVALID', 'push PDU has no Content-Type');
  const headersEnd = r.pos + headersLength;
  const hr = new ByteReader(bytes, r.pos, headersEnd);
  const ct = readContentType(hr);
  const headers: WspHeader[] = [];
  let applicationId: number | string | undefined;
  while (hr.remaining > 0) {
    const b = hr.peek('header');
    if (b >= 0x80) {
      hr.pos++;
      const code = b & 0x7f;
      if (code === HEADER_X_WAP_APPLICATION_ID) {
        applicationId = readIntegerOrText(hr, 'X-Wap-Application-Id');
        continue;
      }
      const raw = readFieldValueRaw(hr, `header 0x${hex2(code)}`);
      const header: WspHeader = { name: WELL_KNOWN_HEADERS[code] ?? `0x${hex2(code)}`, code, raw };
      const value = new ByteReader(raw);
      // Short-integer and text forms have a plain reading; length-prefixed values stay raw.
      if (raw[0] >= 32) header.value = readIntegerOrText(value, header.name);
      headers.push(header);
    } else if (b >= 32 && b < 0x7f) {
      const name = hr.cstring('header name');
      headers.push({ name, value: hr.cstring(`${name} value`) });
    } else {
      throw new WspPduError(
        'WSP_UNSUPPORTED',
        `header code-page shift 0x${hex2(b)} is not supported`,
      );
    }
  }
  return {
    tid,
    pduType,
    ...ct,
    applicationId,
    headers,
    headersLength,
    body: bytes.slice(headersEnd),
  };
}
