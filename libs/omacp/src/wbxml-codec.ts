import { decodeWbxml, encodeWbxml } from '@dm-bridge/wbxml';
import { ProvisioningDocumentError } from './errors';
import type { ProvisioningDocument } from './model';
import { fromXmlDocument, toXmlDocument } from './xml-document';

export interface EncodeProvisioningOptions {
  /** WBXML version byte: 0x03 (1.3, default), 0x02 or 0x01 for older handsets. */
  wbxmlVersion?: number;
  /**
   * Switch the WBXML attribute code page back to 0 before each attribute-list END, for
   * handsets whose parser resets the page per element (a device-profile option; default off =
   * libwbxml/Kannel bytes, which every CP vector is built on).
   */
  resetAttributePage?: boolean;
}

/**
 * Encodes the document as PROV WBXML (public id 0x0B, UTF-8, no string table) through the
 * shared WBXML codec. The bytes returned are the bytes to sign: sign them, never re-encode.
 */
export function encodeProvisioningDocument(
  doc: ProvisioningDocument,
  options: EncodeProvisioningOptions = {},
): Uint8Array {
  try {
    return encodeWbxml(toXmlDocument(doc), {
      language: 'prov10',
      ...(options.wbxmlVersion !== undefined ? { version: options.wbxmlVersion } : {}),
      ...(options.resetAttributePage ? { resetAttributePage: true } : {}),
    });
  } catch (e) {
    throw new ProvisioningDocumentError(
      'PROV_WBXML_FAILED',
      `WBXML encoding failed: ${(e as Error).message}`,
    );
  }
}

/** Decodes PROV WBXML into the provisioning model. */
export function decodeProvisioningDocument(wbxml: Uint8Array): ProvisioningDocument {
  let xml;
  try {
    xml = decodeWbxml(wbxml);
  } catch (e) {
    throw new ProvisioningDocumentError(
      'PROV_WBXML_FAILED',
      `WBXML decoding failed: ${(e as Error).message}`,
    );
  }
  return fromXmlDocument(xml);
}
