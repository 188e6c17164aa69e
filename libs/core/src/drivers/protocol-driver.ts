import { Device, Protocol } from '../devices/device.model';
import { Job, OperationKind } from '../jobs/job.model';

/** What each protocol can do; checked when a job is created, so bad jobs never queue. */
export const PROTOCOL_CAPABILITIES: Record<Protocol, readonly OperationKind[]> = {
  workpoint: ['set', 'get', 'reboot', 'factoryReset', 'fileDeploy', 'softwareDeploy', 'raw'],
  omadm: ['set', 'get', 'add', 'delete', 'exec', 'reboot', 'factoryReset', 'softwareDeploy', 'raw'],
  // CP is one-way push: it can only set (a provisioning document), never read.
  omacp: ['set', 'add', 'bootstrap', 'raw'],
};

/** The outcome of one wake-up attempt. */
export type WakeOutcome =
  /** Notification sent (SMS accepted / contact-me answered); wait for the device to call. */
  | { kind: 'sent'; detail?: string }
  /** The device cannot be woken now (contact gap, SMSC throttled); retry after `retryAfterMs`. */
  | { kind: 'deferred'; retryAfterMs: number; detail?: string }
  /** Permanent failure (no address, rejected by SMSC): the job fails. */
  | { kind: 'failed'; code: string; detail: string }
  /** One-shot protocols (OMA CP): the whole job was delivered by the wake-up itself. */
  | { kind: 'pushed'; detail?: string };

/** What would be sent, for the preview endpoint. Secrets are masked unless `reveal`. */
export interface PreviewPart {
  kind:
    | 'xml'
    | 'wbxml-hex'
    | 'wsp-hex'
    | 'sms-segment-hex'
    | 'workpoint-operations'
    | 'dm-commands'
    | 'text';
  title: string;
  content: string;
}

/**
 * The port each protocol side implements for core's orchestration. Session-based protocols
 * (Workpoint, OMA DM) serve the job when the device calls in, through the session port
 * (JobService.openSession/completeJob); OMA CP delivers within `wake` and reports receipts.
 */
export interface ProtocolDriver {
  readonly protocol: Protocol;
  wake(device: Device, job: Job): Promise<WakeOutcome>;
  /** One-shot protocols: what the delivery receipts say so far about the job's push. */
  deliveryStatus?(
    job: Job,
  ): Promise<{ state: 'delivered' | 'failed' | 'pending'; detail?: string }>;
  /**
   * The exact bytes this driver would send for the job (`job` holds sealed values: the driver
   * opens them itself and masks secrets in what it returns unless `reveal`).
   */
  preview?(device: Device, job: Job, options: { reveal: boolean }): Promise<PreviewPart[]>;
}

/** The drivers known to this process, by protocol. */
export class DriverRegistry {
  private readonly drivers = new Map<Protocol, ProtocolDriver>();

  register(driver: ProtocolDriver): void {
    this.drivers.set(driver.protocol, driver);
  }

  get(protocol: Protocol): ProtocolDriver | undefined {
    return this.drivers.get(protocol);
  }
}
