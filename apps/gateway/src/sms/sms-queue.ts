import type { PushToSend } from '@dm-bridge/smpp';

/** One BullMQ queue per bind, so only the bind's owner consumes it and its rate holds. */
export function smsQueueName(bindId: string): string {
  return `sms-${bindId}`;
}

/** What a job of an `sms-<bind>` queue carries (JSON: the datagram as base64). */
export interface SmsJobData {
  pushes: Array<{
    pushId: string;
    jobId: string;
    to: string;
    /** WDP datagram (WSP push PDU), base64. */
    wsp: string;
    destPort?: number;
    srcPort?: number;
    ref16?: boolean;
    /** Epoch ms: transient causes are retried until then, then the push fails `expired`. */
    deadline?: number;
  }>;
  /** Reruns of this queue job so far (the back-off exponent). */
  reruns?: number;
}

export function toJobPush(p: PushToSend): SmsJobData['pushes'][number] {
  return {
    pushId: p.pushId,
    jobId: p.jobId,
    to: p.destination,
    wsp: Buffer.from(p.datagram.buffer, p.datagram.byteOffset, p.datagram.length).toString(
      'base64',
    ),
    destPort: p.destPort,
    srcPort: p.srcPort,
    ref16: p.ref16,
    deadline: p.deadline,
  };
}

export function fromJobPush(p: SmsJobData['pushes'][number]): PushToSend {
  return {
    pushId: p.pushId,
    jobId: p.jobId,
    destination: p.to,
    datagram: Buffer.from(p.wsp, 'base64'),
    destPort: p.destPort,
    srcPort: p.srcPort,
    ref16: p.ref16,
    deadline: p.deadline,
  };
}
