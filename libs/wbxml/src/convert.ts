import { decodeWbxml, DecodeOptions } from './decoder';
import { encodeWbxml, EncodeOptions } from './encoder';
import { parseXml } from './xml/scanner';
import { serializeXml, SerializeXmlOptions } from './xml/serialize';

/** XML text -> WBXML bytes (language from options, DOCTYPE or root element). */
export function xmlToWbxml(xml: string, options: EncodeOptions = {}): Uint8Array {
  return encodeWbxml(parseXml(xml), options);
}

/** WBXML bytes -> XML text. */
export function wbxmlToXml(
  bytes: Uint8Array,
  options: DecodeOptions & SerializeXmlOptions = {},
): string {
  return serializeXml(decodeWbxml(bytes, options), options);
}
