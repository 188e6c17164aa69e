import type { DmOperation, DmOperationResult, DmServerCommand } from '@dm-bridge/omadm';
import { ValidationError } from '../errors';
import { JobOperation, OperationResult } from '../jobs/job.model';

/** DM operation ids are `<jobId>.<operation index>`, so results find their job. */
export function dmOperationId(jobId: string, index: number): string {
  return `${jobId}.${index}`;
}

export function parseDmOperationId(id: string): { jobId: string; index: number } | null {
  const m = /^(.+)\.(\d+)$/.exec(id);
  return m ? { jobId: m[1], index: Number(m[2]) } : null;
}

function uriOf(op: JobOperation, fallback?: string): string {
  const uri = op.target?.path ?? (typeof op.args?.uri === 'string' ? op.args.uri : fallback);
  if (!uri)
    throw new ValidationError(
      'missing-path',
      `'${op.op}' on an OMA DM device needs a node URI (args.uri)`,
    );
  return uri;
}

/**
 * One unified operation as an OMA DM server command (OMA-TS-DM_Protocol §6.6): get → Get,
 * set → Replace, add → Add, delete → Delete, exec/reboot/factoryReset/softwareDeploy → Exec on
 * the node given by the path or `args.uri`; raw → `args.command` as is.
 */
export function compileDmCommand(op: JobOperation, plainValue?: string): DmServerCommand {
  const format = typeof op.args?.format === 'string' ? op.args.format : undefined;
  const meta = format ? { format } : undefined;
  switch (op.op) {
    case 'get': {
      // args.list = Struct | StructData asks an interior node for its subtree as TNDS
      // (DM Protocol §6.6.9); without it an interior node answers with its children's names.
      const list = op.args?.list;
      if (list !== undefined && list !== 'Struct' && list !== 'StructData')
        throw new ValidationError(
          'invalid-list',
          `args.list must be Struct or StructData, got ${JSON.stringify(list)}`,
        );
      const uri = list ? `${uriOf(op)}?list=${list}` : uriOf(op);
      return { kind: 'Get', items: [{ target: { locURI: uri } }] };
    }
    case 'set':
      return {
        kind: 'Replace',
        meta,
        items: [{ target: { locURI: uriOf(op) }, data: plainValue ?? op.value ?? '' }],
      };
    case 'add':
      return {
        kind: 'Add',
        meta,
        items: [{ target: { locURI: uriOf(op) }, data: plainValue ?? op.value ?? '' }],
      };
    case 'delete':
      return { kind: 'Delete', items: [{ target: { locURI: uriOf(op) } }] };
    case 'exec':
    case 'reboot':
    case 'factoryReset':
    case 'softwareDeploy': {
      const data = typeof op.args?.data === 'string' ? op.args.data : undefined;
      return {
        kind: 'Exec',
        items: [{ target: { locURI: uriOf(op) }, ...(data !== undefined ? { data } : {}) }],
      };
    }
    case 'raw':
      if (!op.args?.command || typeof op.args.command !== 'object') {
        throw new ValidationError(
          'invalid-raw',
          'a raw OMA DM operation needs args.command (a DM server command)',
        );
      }
      return op.args.command as DmServerCommand;
    default:
      throw new ValidationError(
        'unsupported-operation',
        `OMA DM devices do not support '${op.op}'`,
      );
  }
}

/** `set` may create the node: Replace first, Add when the device says the node is absent. */
export function compileDmOperations(jobId: string, ops: JobOperation[]): DmOperation[] {
  return ops.map((op, i) => ({
    id: dmOperationId(jobId, i),
    command: compileDmCommand(op),
    ...(op.op === 'set' ? { addIfAbsent: true } : {}),
  }));
}

/** A DM status (2xx = success, OMA-TS-DM_RepPro §11) and its Results as a unified result. */
export function dmResultToOperationResult(r: DmOperationResult): OperationResult {
  const ok = r.status >= 200 && r.status < 300;
  const item = r.items?.[0];
  const out: OperationResult = { status: ok ? 'ok' : 'failed', code: r.status };
  if (item?.data !== undefined) out.value = item.data;
  if (r.status === 0) out.message = 'the device never answered this command';
  return out;
}
