import { segmentCount, segmentWdpDatagram } from '@dm-bridge/wap-push';
import type { SmppBind, SubmitResult } from '../bind/smpp-bind';
import {
  PUSH_FAILURE_CODES,
  type ReceiptCorrelator,
  type SegmentAck,
} from '../correlation/receipt-correlator';
import { SmppSubmitError, SubmitExpiredError } from '../status/smpp-status';

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
  /**
   * Epoch ms (normally the job's deadline). Transient SMSC causes are retried until then; past
   * it the push fails with code `expired`. Without it the bind retries until it is closed.
   */
  deadline?: number;
}

export type PushSubmitState = 'submitted' | 'failed' | 'retry';

export interface PushSubmitResult {
  pushId: string;
  state: PushSubmitState;
  segments: number;
  /** SMSC message ids by segment number (those acknowledged so far, this attempt or before). */
  messageIds: Record<number, string>;
  /** With state failed: the stable code (`smsc-ESME_…`, `expired`, `invalid-push`). */
  code?: string;
  /** Readable reason of a failure, or why a retry is needed. */
  error?: string;
}

/**
 * Sends a batch of pushes through one bind: registers them for receipt correlation and gets each
 * multipart push its concatenation reference (Redis), segments them, submits every segment the
 * SMSC has not acknowledged yet, and records the acknowledgements. A permanent SMPP error or a
 * passed deadline fails that push (with its code); anything else leaves it in state 'retry' for
 * the queue to run again.
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
        deadline: p.deadline,
      })),
    );
    const results: PushSubmitResult[] = [];
    const perPush: Array<Promise<Array<PromiseSettledResult<SubmitResult> | undefined>>> = [];
    const segLists: number[][] = [];
    const settledBefore = new Set<number>();
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
        settledBefore.add(i);
        perPush.push(Promise.resolve([]));
        segLists.push([]);
        continue;
      }
      if (p.deadline !== undefined && Date.now() >= p.deadline) {
        result.state = 'failed';
        result.code = PUSH_FAILURE_CODES.expired;
        result.error = 'deadline passed before the SMSC accepted the message';
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
        result.code = PUSH_FAILURE_CODES.invalidPush;
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
            bind.submit(
              {
                destination: p.destination,
                userData: Buffer.from(s.userData.buffer, s.userData.byteOffset, s.userData.length),
                udhi: true,
              },
              { deadline: p.deadline },
            ),
          ),
        ),
      );
    }
    const settled = await Promise.all(perPush);
    const acks: SegmentAck[] = [];
    const failures: PushSubmitResult[] = [];
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
          // The bind retries every transient cause itself until the deadline: these are final.
          if (e instanceof SmppSubmitError || e instanceof SubmitExpiredError) {
            // A permanent refusal of one segment wins over another one's expiry.
            if (result.state !== 'failed' || result.code === PUSH_FAILURE_CODES.expired) {
              result.state = 'failed';
              result.code = e.code;
              result.error = e.message;
            }
          } else if (result.state !== 'failed') {
            result.state = 'retry';
            result.error = e.message;
          }
        }
      });
      if (result.state === 'failed' && !settledBefore.has(i)) failures.push(result);
    });
    await this.correlator.recordAcks(acks);
    for (const r of failures) {
      await this.correlator.markFailed(r.pushId, r.code ?? 'failed', r.error ?? r.code ?? '');
    }
    return results;
  }
}

function segmentCountFor(p: PushToSend): number {
  return segmentCount(p.datagram.length, p.ref16);
}
