import { decodeProvisioningDocument, type ProvisioningDocument } from '@dm-bridge/omacp';
import { decodeWspPush, WdpReassembler } from '@dm-bridge/wap-push';
import { checkCpMac } from './cp-mac-reading';
import type { SmsReceiver } from '../smsc/simulated-smsc';
import { findParam, isContentType } from './push-params';

export interface ReceivedProvisioning {
  /** The WBXML body exactly as it arrived (the MAC covers these bytes). */
  wbxml: Buffer;
  sec: number;
  mac: string;
  /** Decoded document (undefined when the handset was created with decode: false). */
  document?: ProvisioningDocument;
  from: string;
  segments: number;
}

export interface OmaCpHandsetOptions {
  msisdn: string;
  /** For SEC NETWPIN / USERNETWPIN. */
  imsi?: string;
  /** For SEC USERPIN / USERNETWPIN: what the user would type. */
  pin?: string;
  /** Decode the WBXML into a document model (default true; benchmarks may skip it). */
  decode?: boolean;
}

const CT_CONNECTIVITY_WBXML = 'application/vnd.wap.connectivity-wbxml';

/**
 * A simulated OMA CP handset (ProvBoot 1.1 §5): reassembles the WAP push, checks SEC/MAC with its
 * IMSI or PIN, decodes the provisioning document and stores it. Pushes it cannot authenticate are
 * kept in `rejected` with the reason, as a phone would discard them.
 */
export class OmaCpHandset implements SmsReceiver {
  readonly msisdn: string;
  readonly documents: ReceivedProvisioning[] = [];
  readonly rejected: Array<{ reason: string; from: string }> = [];
  private readonly reassembler = new WdpReassembler(1_000);
  private waiters: Array<() => void> = [];

  constructor(private readonly options: OmaCpHandsetOptions) {
    this.msisdn = options.msisdn;
  }

  receiveSms(userData: Buffer, from: string): void {
    let datagram;
    try {
      datagram = this.reassembler.accept(from, userData);
    } catch (e) {
      this.reject(`SMS reassembly failed: ${(e as Error).message}`, from);
      return;
    }
    if (!datagram) return;
    if (datagram.destPort !== 2948 && datagram.destPort !== 2949) {
      this.reject(`not a WAP push port: ${datagram.destPort}`, from);
      return;
    }
    try {
      const push = decodeWspPush(datagram.payload);
      if (!isContentType(push.contentType, CT_CONNECTIVITY_WBXML, 0x36)) {
        throw new Error(`content type ${String(push.contentType)} is not ${CT_CONNECTIVITY_WBXML}`);
      }
      const secParam = findParam(push.contentTypeParams, 0x11, 'SEC');
      const macParam = findParam(push.contentTypeParams, 0x12, 'MAC');
      if (!secParam || !macParam) throw new Error('push carries no SEC/MAC: refused');
      const sec = Number(secParam.value);
      const mac = String(macParam.value);
      checkCpMac(push.body, { sec, mac }, { imsi: this.options.imsi, pin: this.options.pin });
      const wbxml = Buffer.from(push.body);
      this.documents.push({
        wbxml,
        sec,
        mac,
        document: this.options.decode === false ? undefined : decodeProvisioningDocument(wbxml),
        from,
        segments: datagram.segmentCount,
      });
      for (const w of this.waiters.splice(0)) w();
    } catch (e) {
      this.reject((e as Error).message, from);
    }
  }

  /** Resolves once `count` documents have been accepted. */
  waitForDocuments(count = 1, timeoutMs = 5_000): Promise<ReceivedProvisioning[]> {
    return waitUntil(
      () => this.documents.length >= count,
      this.waiters,
      timeoutMs,
      () => this.documents,
    );
  }

  private reject(reason: string, from: string): void {
    this.rejected.push({ reason, from });
    for (const w of this.waiters.splice(0)) w();
  }
}

export function waitUntil<T>(
  done: () => boolean,
  waiters: Array<() => void>,
  timeoutMs: number,
  value: () => T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (done()) return resolve(value());
    const t = setTimeout(
      () => reject(new Error(`handset: nothing arrived within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const check = (): void => {
      if (done()) {
        clearTimeout(t);
        resolve(value());
      } else waiters.push(check);
    };
    waiters.push(check);
  });
}
