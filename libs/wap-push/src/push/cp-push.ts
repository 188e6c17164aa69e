import {
  encodeProvisioningDocument,
  parseProvisioningXml,
  type ProvisioningDocument,
} from '@dm-bridge/omacp';
import { PushInputError } from '../errors';
import { CpSigner } from '../cp/mac';
import type { CpSecName } from '../cp/sec';
import { segmentWdpDatagram, type SegmentOptions, type SmsSegment } from '../wdp/segment';
import { encodeWspPush, type WspHeader, type WspParameter } from '../wsp/push-pdu';
import { CONTENT_TYPE_CONNECTIVITY_WBXML } from '../wsp/tables';

/** A CP document as XML text, as the model, or as the exact WBXML bytes to send. */
export type CpDocumentInput = string | ProvisioningDocument | Uint8Array;

export interface CpPushOptions extends SegmentOptions {
  /** SEC method; 'NONE' sends the bare content type without SEC/MAC (most handsets refuse). */
  sec: CpSecName | number | 'NONE';
  /** Subscriber IMSI for NETWPIN / USERNETWPIN. */
  imsi?: string;
  /** User PIN for USERPIN / USERNETWPIN. */
  pin?: string;
  /** A signer built once (per IMSI/PIN); overrides sec/imsi/pin. */
  signer?: CpSigner;
  /** WSP TID; default 0x01 (as Kannel sends). */
  tid?: number;
  /** X-Wap-Application-Id; CP pushes normally carry none (the content type routes them). */
  applicationId?: number | string;
  headers?: readonly WspHeader[];
  /** WBXML version byte when encoding a document (default 1.3). */
  wbxmlVersion?: number;
}

export interface CpPush {
  wbxml: Uint8Array;
  wsp: Uint8Array;
  segments: SmsSegment[];
  sec?: number;
  /** 40 upper-case hex characters; absent for SEC 'NONE'. */
  mac?: string;
}

/** Encodes the document once; reuse the bytes for every subscriber (they are what is MAC'd). */
export function prepareCpDocument(
  input: CpDocumentInput,
  options: { wbxmlVersion?: number } = {},
): { wbxml: Uint8Array; document?: ProvisioningDocument } {
  if (input instanceof Uint8Array) return { wbxml: input };
  if (typeof input === 'string') {
    const document = parseProvisioningXml(input);
    return { wbxml: encodeProvisioningDocument(document, options), document };
  }
  if (input && typeof input === 'object' && Array.isArray(input.characteristics)) {
    return { wbxml: encodeProvisioningDocument(input, options), document: input };
  }
  throw new PushInputError(
    'PUSH_INVALID_INPUT',
    'CP document must be XML text, a ProvisioningDocument or WBXML bytes',
  );
}

/**
 * Document → WBXML → SEC/MAC → WSP push PDU → SMS user data (OMA-WAP-ProvBoot-V1_1 §5,
 * WAP-230 §8.2.4.1, WAP-259 §6.5). With WBXML bytes and a prebuilt signer the per-push work is
 * one HMAC-SHA1 and a few small buffer copies.
 */
export function buildCpPush(input: CpDocumentInput, options: CpPushOptions): CpPush {
  const wbxml =
    input instanceof Uint8Array
      ? input
      : prepareCpDocument(input, { wbxmlVersion: options.wbxmlVersion }).wbxml;
  let sec: number | undefined;
  let mac: string | undefined;
  let contentTypeParams: WspParameter[] | undefined;
  if (options.signer || options.sec !== 'NONE') {
    const signer =
      options.signer ?? new CpSigner({ sec: options.sec, imsi: options.imsi, pin: options.pin });
    const signed = signer.sign(wbxml);
    sec = signed.sec;
    mac = signed.mac;
    contentTypeParams = signed.contentTypeParams;
  }
  const wsp = encodeWspPush({
    tid: options.tid ?? 0x01,
    contentType: CONTENT_TYPE_CONNECTIVITY_WBXML,
    contentTypeParams,
    applicationId: options.applicationId,
    headers: options.headers,
    body: wbxml,
  });
  const segments = segmentWdpDatagram(wsp, options);
  return { wbxml, wsp, segments, sec, mac };
}
