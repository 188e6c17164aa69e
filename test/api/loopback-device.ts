import { Core, Device, Job, OperationResult, ProtocolDriver, WakeOutcome } from '@dm-bridge/core';
import { randomUUID } from 'node:crypto';

/**
 * A stand-in device for a protocol whose adapter is not under test here: on a wake-up it "calls
 * back" through core's session port (lock, openSession, completeJob) exactly as the Workpoint and
 * OMA DM engines do, answering each operation from a small value table. Devices listed in
 * `silent` never answer; `failing` ones fail every operation.
 */
export class LoopbackFleet implements ProtocolDriver {
  readonly wakes: string[] = [];
  silent = new Set<string>();
  failing = new Set<string>();
  answerDelayMs = 20;

  constructor(
    private readonly core: Core,
    readonly protocol: Device['protocol'],
  ) {}

  async wake(device: Device, job: Job): Promise<WakeOutcome> {
    this.wakes.push(job.id);
    if (!this.silent.has(device.id))
      setTimeout(() => void this.session(device.id).catch(() => undefined), this.answerDelayMs);
    return { kind: 'sent', detail: 'loopback' };
  }

  async session(deviceId: string): Promise<void> {
    const owner = randomUUID();
    if (!(await this.core.locks.tryAcquire(deviceId, owner, 5000))) return;
    try {
      for (const job of await this.core.jobs.openSession(deviceId)) {
        const fail = this.failing.has(deviceId);
        const results: OperationResult[] = job.operations.map((op) =>
          fail
            ? { status: 'failed', code: 500 }
            : op.op === 'get'
              ? { status: 'ok', value: `value-of-${op.target?.path}`, code: 200 }
              : { status: 'ok', code: 200 },
        );
        await this.core.jobs.completeJob(job.id, results);
      }
    } finally {
      await this.core.locks.release(deviceId, owner);
    }
  }
}
