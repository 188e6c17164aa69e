import {
  collectSecretValues,
  decodeProvisioningDocument,
  serializeProvisioningXml,
  type ProvisioningDocument,
} from '@dm-bridge/omacp';
import { parseNotificationPackage0 } from '../dm/package0';
import { secName } from '../cp/sec';
import type { SmsSegment } from '../wdp/segment';
import {
  buildCpPush,
  prepareCpDocument,
  type CpDocumentInput,
  type CpPushOptions,
} from './cp-push';
import { buildDmNotificationPush, type DmNotificationPushOptions } from './dm-push';

export interface SegmentPreview {
  index: number;
  total: number;
  /** Octets of TP-UD (≤ 140). */
  length: number;
  /** The whole TP-UD as it goes into short_message (UDHL + UDH + payload). */
  udHex: string;
  udhHex: string;
  payloadHex: string;
}

export interface PushPreview {
  kind: 'cp' | 'dm-notification';
  contentType: string;
  /** CP only: the document as XML (secret parm values masked unless revealed). */
  xml?: string;
  wbxmlHex?: string;
  pkg0Hex?: string;
  wspPduHex: string;
  segments: SegmentPreview[];
  /** True when secret bytes (MAC, digest, passwords) are shown as "**" per octet. */
  masked: boolean;
  sec?: string;
  mac?: string;
  notification?: {
    version: number;
    uiMode: string;
    initiator: string;
    sessionId: number;
    sessionIdHex: string;
    serverId: string;
    digestHex: string;
  };
}

export interface PreviewOptions {
  /** Show secrets (MAC, digest, secret parm values) instead of masking them. */
  reveal?: boolean;
}

type Range = [start: number, end: number];

function maskedHex(bytes: Uint8Array, offset: number, ranges: readonly Range[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const at = offset + i;
    out += ranges.some(([s, e]) => at >= s && at < e)
      ? '**'
      : bytes[i].toString(16).padStart(2, '0');
  }
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Every occurrence of the inline strings (STR_I: 03 … 00) of secret values. */
function secretRangesInWbxml(wbxml: Uint8Array, secrets: readonly string[]): Range[] {
  const ranges: Range[] = [];
  for (const s of secrets) {
    const utf8 = Buffer.from(s, 'utf8');
    const needle = new Uint8Array(utf8.length + 2);
    needle[0] = 0x03;
    needle.set(utf8, 1);
    let at = indexOfBytes(wbxml, needle);
    while (at >= 0) {
      ranges.push([at + 1, at + 1 + utf8.length]);
      at = indexOfBytes(wbxml, needle, at + 1);
    }
  }
  return ranges;
}

function previewSegments(
  segments: readonly SmsSegment[],
  ranges: readonly Range[],
): SegmentPreview[] {
  let offset = 0;
  return segments.map((s) => {
    const payloadHex = maskedHex(s.payload, offset, ranges);
    offset += s.payload.length;
    const udhHex = maskedHex(s.udh, -1e9, []);
    return {
      index: s.index,
      total: s.total,
      length: s.userData.length,
      udHex: udhHex + payloadHex,
      udhHex,
      payloadHex,
    };
  });
}

/** What `buildCpPush` would send, byte for byte (secrets masked unless `reveal`). */
export function previewCpPush(
  input: CpDocumentInput,
  options: CpPushOptions & PreviewOptions,
): PushPreview {
  const prepared = prepareCpDocument(input, { wbxmlVersion: options.wbxmlVersion });
  const push = buildCpPush(prepared.wbxml, options);
  let document: ProvisioningDocument | undefined = prepared.document;
  if (!document) {
    try {
      document = decodeProvisioningDocument(push.wbxml);
    } catch {
      document = undefined; // opaque bytes: nothing to show as XML, nothing known to mask
    }
  }
  const reveal = options.reveal === true;
  const bodyOffset = push.wsp.length - push.wbxml.length;
  const bodyRanges =
    reveal || !document ? [] : secretRangesInWbxml(push.wbxml, collectSecretValues(document));
  const wspRanges: Range[] = bodyRanges.map(([s, e]) => [s + bodyOffset, e + bodyOffset]);
  if (!reveal && push.mac) {
    const at = indexOfBytes(push.wsp.subarray(0, bodyOffset), Buffer.from(push.mac, 'ascii'));
    if (at >= 0) wspRanges.push([at, at + push.mac.length]);
  }
  return {
    kind: 'cp',
    contentType: 'application/vnd.wap.connectivity-wbxml',
    xml: document ? serializeProvisioningXml(document, { maskSecrets: !reveal }) : undefined,
    wbxmlHex: maskedHex(push.wbxml, 0, bodyRanges),
    wspPduHex: maskedHex(push.wsp, 0, wspRanges),
    segments: previewSegments(push.segments, wspRanges),
    masked: !reveal,
    sec: push.sec === undefined ? 'NONE' : secName(push.sec),
    mac: push.mac === undefined ? undefined : reveal ? push.mac : '*'.repeat(40),
  };
}

/** What `buildDmNotificationPush` would send (digest masked unless `reveal`). */
export function previewDmNotification(
  options: DmNotificationPushOptions & PreviewOptions,
): PushPreview {
  const push = buildDmNotificationPush(options);
  const reveal = options.reveal === true;
  const bodyOffset = push.wsp.length - push.pkg0.length;
  const pkgRanges: Range[] = reveal ? [] : [[0, 16]];
  const wspRanges: Range[] = reveal ? [] : [[bodyOffset, bodyOffset + 16]];
  const parsed = parseNotificationPackage0(push.pkg0);
  return {
    kind: 'dm-notification',
    contentType: 'application/vnd.syncml.notification',
    pkg0Hex: maskedHex(push.pkg0, 0, pkgRanges),
    wspPduHex: maskedHex(push.wsp, 0, wspRanges),
    segments: previewSegments(push.segments, wspRanges),
    masked: !reveal,
    notification: {
      version: parsed.version,
      uiMode: parsed.uiModeName,
      initiator: parsed.initiator,
      sessionId: parsed.sessionId,
      sessionIdHex: parsed.sessionIdHex,
      serverId: parsed.serverId,
      digestHex: maskedHex(parsed.digest, 0, pkgRanges),
    },
  };
}
