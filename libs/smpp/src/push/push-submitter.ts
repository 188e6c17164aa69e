import { segmentCount, segmentWdpDatagram } from '@dm-bridge/wap-push';
import type { SmppBind, SubmitResult } from '../bind/smpp-bind';
import type { ReceiptCorrelator, SegmentAck } from '../correlation/receipt-correlator';
import { SmppSubmitError } from '../status/smpp-status';

/** One WAP push to one handset, as queued: the WDP datagram (a WSP push PDU) and its ports. */
export interface PushToSend {
  pushId: string;
  /** The job this push serves (receipts are correlated back to it). */
  jobId: string;
  destination: string;
  /** The WDP datagram, normally a WSP connectionless push PDU. */
  datagram: Uint8Array;
  destPort?: number;
  srcPort?: number;
  ref16?: boolean;
}

export type PushSubmitState = 'submitted' | 'failed' | 'retry';

export interface PushSubmitResult {
  pushId: string;
  state: PushSubmitState;
  segments: number;
  /** SMSC message ids by segment number (those acknowledged so far, this attempt or before). */
  messageIds: Record<number, string>;
  /** SMPP status name for a permanent failure, or the reason a retry is needed. */
  error?: string;
}

/**
 * Sends a batch of pushes through one bind: registers them for receipt correlation and gets each
 * multipart push its concatenation reference (Redis), segments them, submits every segment the
 * SMSC has not acknowledged yet, and records the acknowledgements. A permanent SMPP error fails
 * that push (named status); anything else leaves it in state 'retry' for the queue to run again.
 */
export class PushSubmitter {
  constructor(private readonly correlator: ReceiptCorrelator) {}

  async submit(bind: SmppBind, pushes: PushToSend[]): Promise<PushSubmitResult[]> {
    const segmentsOf = pushes.map((p) => segmentCountFor(p));
    const registered = await this.correlator.register(
      pushes.map((p, i) => ({
        pushId: p.pushId,
        jobId: p.jobId,
        bindId: bind.id,
        destination: p.destination,
        segments: segmentsOf[i],
        ref16: p.ref16,
      })),
    );
    const results: PushSubmitResult[] = [];
    const perPush: Array<Promise<Array<PromiseSettledResult<SubmitResult> | undefined>>> = [];
    const segLists: number[][] = [];
    for (let i = 0; i < pushes.length; i++) {
      const p = pushes[i];
      const reg = registered[i];
      const result: PushSubmitResult = {
        pushId: p.pushId,
        state: 'submitted',
        segments: segmentsOf[i],
        messageIds: {},
      };
      results.push(result);
      if (reg.state === 'failed' || reg.state === 'delivered') {
        // Settled by an earlier run of this job: never send it again.
        result.state = reg.state === 'failed' ? 'failed' : 'submitted';
        perPush.push(Promise.resolve([]));
        segLists.push([]);
        continue;
      }
      let segments;
      try {
        segments = segmentWdpDatagram(p.datagram, {
          destPort: p.destPort,
          srcPort: p.srcPort,
          ref16: p.ref16,
          concatRef: reg.concatRef,
        });
      } catch (e) {
        result.state = 'failed';
        result.error = (e as Error).message;
        perPush.push(Promise.resolve([]));
        segLists.push([]);
        continue;
      }
      const todo = segments.filter((s) => !reg.acked.has(s.index));
      segLists.push(todo.map((s) => s.index));
      perPush.push(
        Promise.allSettled(
          todo.map((s) =>
            bind.submit({
              destination: p.destination,
              userData: Buffer.from(s.userData.buffer, s.userData.byteOffset, s.userData.length),
              udhi: true,
            }),
          ),
        ),
      );
    }
    const settled = await Promise.all(perPush);
    const acks: SegmentAck[] = [];
    const failures: Array<[string, string]> = [];
    settled.forEach((list, i) => {
      const result = results[i];
      list.forEach((s, k) => {
        if (!s) return;
        const segment = segLists[i][k];
        if (s.status === 'fulfilled') {
          result.messageIds[segment] = s.value.messageId;
          acks.push({
            pushId: result.pushId,
            bindId: bind.id,
            segment,
            messageId: s.value.messageId,
            canonicalId: s.value.canonicalId,
          });
        } else {
          const e = s.reason as Error;
          // The bind already retried what can be retried: a SmppSubmitError is final.
          if (e instanceof SmppSubmitError) {
            result.state = 'failed';
            result.error = e.statusName;
          } else if (result.state !== 'failed') {
            result.state = 'retry';
            result.error = e.message;
          }
        }
      });
      if (result.state === 'failed' && result.error) failures.push([result.pushId, result.error]);
    });
    await this.correlator.recordAcks(acks);
    for (const [pushId, error] of failures) await this.correlator.markFailed(pushId, error);
    return results;
  }
}

function segmentCountFor(p: PushToSend): number {
  return segmentCount(p.datagram.length, p.ref16);
}
