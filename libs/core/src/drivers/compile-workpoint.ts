import type {
  JobOutcome,
  WorkpointItem,
  WorkpointJob,
  WorkpointOperation,
} from '@dm-bridge/workpoint';
import { ValidationError } from '../errors';
import { Job, JobOperation, OperationResult } from '../jobs/job.model';

/** `name[3]` addresses an indexed Workpoint item (function keys, codecs…). */
function itemRef(path: string): { name: string; index?: number } {
  const m = /^([^[\]]+)\[(\d+)\]$/.exec(path);
  return m ? { name: m[1], index: Number(m[2]) } : { name: path };
}

function items(op: JobOperation): WorkpointItem[] {
  const list = op.args?.items;
  if (!Array.isArray(list))
    throw new ValidationError(
      'invalid-args',
      `'${op.op}' on a Workpoint phone needs args.items (file-* items)`,
    );
  return list as WorkpointItem[];
}

/** One unified operation as a Workpoint engine operation (its own command types). */
export function compileWorkpointOperation(
  op: JobOperation,
  plainValue?: string,
): WorkpointOperation {
  switch (op.op) {
    case 'get':
      return { kind: 'read', items: [itemRef(op.target!.path)] };
    case 'set':
      return {
        kind: 'write',
        items: [{ ...itemRef(op.target!.path), value: plainValue ?? op.value ?? '' }],
      };
    case 'reboot':
      return { kind: 'restart' };
    case 'factoryReset':
      return { kind: 'restart', factoryReset: true };
    case 'fileDeploy':
      return { kind: 'file-deploy', items: items(op) };
    case 'softwareDeploy':
      return { kind: 'software-deploy', items: items(op), version: String(op.args?.version ?? '') };
    case 'raw':
      if (!op.args?.operation || typeof op.args.operation !== 'object') {
        throw new ValidationError('invalid-raw', 'a raw Workpoint operation needs args.operation');
      }
      return op.args.operation as WorkpointOperation;
    default:
      throw new ValidationError(
        'unsupported-operation',
        `Workpoint phones do not support '${op.op}'`,
      );
  }
}

/** A core job as a Workpoint job; `operations` must already have their secrets opened. */
export function compileWorkpointJob(
  job: Pick<Job, 'id'>,
  operations: JobOperation[],
): WorkpointJob {
  return {
    id: job.id,
    operations: operations.map((op) => compileWorkpointOperation(op, op.value)),
  };
}

/** The engine's outcome, one result per operation, as unified results. */
export function workpointOutcomeToResults(
  outcome: JobOutcome,
  operationCount: number,
): OperationResult[] {
  return Array.from({ length: operationCount }, (_, i) => {
    const r = outcome.results[i];
    if (!r)
      return {
        status: 'failed',
        message: 'the phone did not carry out this operation',
      } as OperationResult;
    const item = r.items[0];
    const out: OperationResult = { status: r.status === 'succeeded' ? 'ok' : 'failed' };
    if (r.kind === 'read' && item) out.value = item.value;
    if (item?.status) out.code = item.status;
    if (r.error) out.message = r.error;
    return out;
  });
}
