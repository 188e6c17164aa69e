import { Device, Protocol } from '../devices/device.model';
import { Job, OperationKind } from '../jobs/job.model';

/** What each protocol can do; checked when a job is created, so bad jobs never queue. */
export const PROTOCOL_CAPABILITIES: Record<Protocol, readonly OperationKind[]> = {
  workpoint: [
    'set',
    'get',
    'reboot',
    'factoryReset',
    'fileDeploy',
    'softwareDeploy',
    'secureBootstrap',
    'raw',
  ],
  omadm: ['set', 'get', 'add', 'delete', 'exec', 'reboot', 'factoryReset', 'softwareDeploy', 'raw'],
  // CP is one-way push: it can only set (a provisioning document), never read.
  omacp: ['set', 'add', 'bootstrap', 'raw'],
};

/**
 * The outcome of one wake-up attempt. Errors are typed: `failed` is permanent (the job fails at
 * once with `code`); `deferred` and any thrown error are transient (retried until the deadline,
 * never counted against the job), except a thrown `PermanentWakeError`.
 */
export type WakeOutcome =
  /** Notification sent (SMS accepted / contact-me answered); wait for the device to call. */
  | { kind: 'sent'; detail?: string }
  /** The device cannot be woken now (contact gap, SMSC throttled); retry after `retryAfterMs`. */
  | { kind: 'deferred'; retryAfterMs: number; detail?: string }
  /** Permanent failure (no address, unsupported security, unknown bind): the job fails. */
  | { kind: 'failed'; code: string; detail: string }
  /** One-shot protocols (OMA CP): the whole job was delivered by the wake-up itself. */
  | { kind: 'pushed'; detail?: string };

/** A cause that no retry can cure, thrown from deep inside a wake-up (e.g. an unknown bind). */
export class PermanentWakeError extends Error {
  override readonly name = 'PermanentWakeError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the delivery side says so far about a job's last wake-up or push. */
export interface DeliveryStatus {
  state: 'delivered' | 'failed' | 'pending';
  detail?: string;
  /** stable code of a failure ('expired' when the push ran out of time) */
  code?: string;
}

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
 * (JobService.claimJobs/completeJob, holding the device's SessionLock); OMA CP delivers within `wake` and reports receipts.
 */
export interface ProtocolDriver {
  readonly protocol: Protocol;
  wake(device: Device, job: Job): Promise<WakeOutcome>;
  /**
   * What the SMS side knows about the job's last wake-up: for OMA CP the outcome of the job (its
   * receipts); for OMA DM a notification the SMSC refused for good fails the job.
   */
  deliveryStatus?(job: Job): Promise<DeliveryStatus>;
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
