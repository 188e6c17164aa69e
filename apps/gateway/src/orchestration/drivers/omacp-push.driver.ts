import {
  compileCpDocument,
  Core,
  DeliveryStatus,
  Device,
  Job,
  PreviewPart,
  ProtocolDriver,
  WakeOutcome,
} from '@dm-bridge/core';
import { encodeProvisioningDocument } from '@dm-bridge/omacp';
import { previewCpPush, type CpSecName } from '@dm-bridge/wap-push';
import { deferForSmsRate, onSmsBind, SmsAdmission } from './sms-rate';

/** One CP push to sign and queue; the PIN/IMSI are used for the MAC and never stored. */
export interface CpPushRequest {
  pushId: string;
  jobId: string;
  to: string;
  wbxml: Uint8Array;
  sec: CpSecName;
  imsi?: string;
  pin?: string;
  bindId?: string;
  /** epoch ms: transient SMSC trouble is retried until then */
  deadline?: number;
}

/** What the SMS side offers for CP pushes (its SmsService). */
export interface CpPushSender extends Partial<SmsAdmission> {
  enqueueCpPush(input: CpPushRequest): Promise<void>;
  status(pushId: string): Promise<
    | {
        state: 'submitting' | 'submitted' | 'delivered' | 'failed';
        /** stable code of a failure: always permanent, or 'expired' past the deadline */
        code?: string;
        error?: string;
        total: number;
        delivered: number;
      }
    | undefined
  >;
}

const SEC: Record<NonNullable<Device['addressing']['pinPolicy']>, CpSecName> = {
  netwpin: 'NETWPIN',
  userpin: 'USERPIN',
  usernetwpin: 'USERNETWPIN',
  userpinmac: 'USERPINMAC',
};

/**
 * OMA CP: the whole job is one signed provisioning push (document → WBXML → SEC/MAC → WSP →
 * SMS segments, built by the SMS side). Its receipts decide the outcome (`deliveryStatus`).
 */
export class OmaCpPushDriver implements ProtocolDriver {
  readonly protocol = 'omacp' as const;

  constructor(
    private readonly core: Core,
    private readonly sms: CpPushSender,
    /** see deferForSmsRate; 0 never defers */
    private readonly smsBurstS = 0,
  ) {}

  static pushId(job: Pick<Job, 'id'>): string {
    return `${job.id}-cp`;
  }

  async wake(device: Device, job: Job): Promise<WakeOutcome> {
    const a = device.addressing;
    if (!a.msisdn)
      return { kind: 'failed', code: 'no-msisdn', detail: 'a CP device needs addressing.msisdn' };
    const policy = a.pinPolicy ?? 'netwpin';
    if (policy === 'userpinmac') {
      // refused at the API; a device stored before that still never gets a push it cannot check
      return {
        kind: 'failed',
        code: 'unsupported-security',
        detail: 'CP SEC USERPINMAC is not supported; use netwpin, userpin or usernetwpin',
      };
    }
    const credentials = this.core.devices.revealCredentials(device);
    if ((policy === 'netwpin' || policy === 'usernetwpin') && !a.imsi) {
      return { kind: 'failed', code: 'no-imsi', detail: `CP ${policy} needs addressing.imsi` };
    }
    if (policy !== 'netwpin' && !credentials.userPin) {
      return { kind: 'failed', code: 'no-pin', detail: `CP ${policy} needs credentials.userPin` };
    }
    const wbxml = encodeProvisioningDocument(
      compileCpDocument(this.core.jobs.revealOperations(job)),
    );
    return onSmsBind(a.bind, async () => {
      const deferred = await deferForSmsRate(this.sms, a.bind, this.smsBurstS);
      if (deferred) return deferred;
      await this.sms.enqueueCpPush({
        pushId: OmaCpPushDriver.pushId(job),
        jobId: job.id,
        to: a.msisdn!.replace(/^\+/, ''),
        wbxml,
        sec: SEC[policy],
        imsi: a.imsi,
        pin: credentials.userPin,
        bindId: a.bind,
        deadline: job.deadline,
      });
      return { kind: 'pushed', detail: `${wbxml.length} bytes of WBXML, ${SEC[policy]}` };
    });
  }

  /** The document, its WBXML, the signed WSP push and every SMS segment, as `wake` would send. */
  async preview(device: Device, job: Job, options: { reveal: boolean }): Promise<PreviewPart[]> {
    const a = device.addressing;
    const policy = a.pinPolicy ?? 'netwpin';
    const userPin = this.core.devices.revealCredentials(device).userPin;
    // A device without its IMSI or PIN still gets a preview, signed with placeholders: said so.
    const placeholders: string[] = [];
    if (!a.imsi && policy !== 'userpin') placeholders.push('IMSI 000000000000000');
    if (!userPin && policy !== 'netwpin') placeholders.push('PIN 0000');
    const doc = compileCpDocument(this.core.jobs.revealOperations(job));
    const p = previewCpPush(doc, {
      sec: SEC[policy],
      imsi: a.imsi ?? '000000000000000',
      pin: userPin ?? (policy === 'netwpin' ? undefined : '0000'),
      reveal: options.reveal,
      // the SMS side allocates a reference per destination when it sends; 0 stands for it here
      concatRef: 0,
    });
    const signedWith = placeholders.length
      ? `, MAC made with placeholder ${placeholders.join(' and ')}: the device has none`
      : '';
    return [
      {
        kind: 'xml',
        title: `wap-provisioningdoc (${p.sec}, MAC ${p.mac ?? '-'}${signedWith})`,
        content: p.xml ?? '',
      },
      { kind: 'wbxml-hex', title: 'WBXML', content: p.wbxmlHex ?? '' },
      { kind: 'wsp-hex', title: `WSP push PDU (${p.contentType})`, content: p.wspPduHex },
      ...p.segments.map((seg) => ({
        kind: 'sms-segment-hex' as const,
        title: `SMS ${seg.index}/${seg.total} TP-UD (${seg.length} octets${seg.total > 1 ? ', concatenation reference 0 here, allocated when sent' : ''})`,
        content: seg.udHex,
      })),
    ];
  }

  async deliveryStatus(job: Job): Promise<DeliveryStatus> {
    const s = await this.sms.status(OmaCpPushDriver.pushId(job));
    if (s?.state === 'delivered')
      return { state: 'delivered', detail: `${s.delivered}/${s.total} segments delivered` };
    if (s?.state === 'failed')
      return {
        state: 'failed',
        code: s.code,
        detail: s.error ?? 'the SMSC reported a permanent failure',
      };
    return { state: 'pending' };
  }
}
