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

const PEM_CERT = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/;
const PEM_KEY =
  /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END ([A-Z]+ )?PRIVATE KEY-----/;

/**
 * `secureBootstrap` arguments, checked when the job is created (seed 002: the service provides
 * the phone's client certificate with its private key, the CA certificates of the server and the
 * secure port). Returns the client certificate (to be sealed: it holds a private key) apart from
 * the other arguments. `mode: "pin"` is refused: the packing of `secure-mode-data` is not public.
 */
export function checkSecureBootstrapArgs(
  args: Record<string, unknown> | undefined,
  where: string,
): { clientCertificate: string; args: { serverCa?: string[]; securePort?: number } } {
  const a = args ?? {};
  const bad = (code: string, message: string): never => {
    throw new ValidationError(code, `${where}: ${message}`);
  };
  for (const k of Object.keys(a))
    if (!['mode', 'clientCertificate', 'serverCa', 'securePort'].includes(k))
      bad('invalid-args', `unknown secureBootstrap argument '${k}'`);
  if (a.mode === 'pin')
    bad(
      'secure-mode-pin-unsupported',
      'secureBootstrap with PIN is not supported: the packing of secure-mode-data is not public; leave mode out or use "nopin"',
    );
  if (a.mode !== undefined && a.mode !== 'nopin')
    bad('invalid-args', `secureBootstrap mode must be "nopin", got ${JSON.stringify(a.mode)}`);
  const cert = a.clientCertificate;
  if (
    typeof cert !== 'string' ||
    !PEM_CERT.test(cert) ||
    !PEM_KEY.test(cert) ||
    cert.includes('ENCRYPTED PRIVATE KEY') ||
    cert.length > 16384
  )
    bad(
      'invalid-args',
      'secureBootstrap needs args.clientCertificate: the PEM client certificate with its unencrypted private key (at most 16 KiB)',
    );
  const out: { serverCa?: string[]; securePort?: number } = {};
  if (a.serverCa !== undefined) {
    if (
      !Array.isArray(a.serverCa) ||
      a.serverCa.length === 0 ||
      a.serverCa.length > 8 ||
      !a.serverCa.every((c) => typeof c === 'string' && PEM_CERT.test(c) && c.length <= 16384)
    )
      bad('invalid-args', 'secureBootstrap args.serverCa must be 1 to 8 PEM CA certificates');
    out.serverCa = a.serverCa as string[];
  }
  if (a.securePort !== undefined) {
    const port = a.securePort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      bad('invalid-args', 'secureBootstrap args.securePort must be a TCP port');
    out.securePort = port as number;
  }
  return { clientCertificate: cert as string, args: out };
}

/** What a `secureBootstrap` without `serverCa`/`securePort` gets: the gateway's secure listener. */
export interface SecureListenerDefaults {
  /** the certificate the secure listener presents (the phone must trust it) */
  serverCa?: string[];
  securePort?: number;
}

/** One unified operation as a Workpoint engine operation (its own command types). */
export function compileWorkpointOperation(
  op: JobOperation,
  plainValue?: string,
  secure: SecureListenerDefaults = {},
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
    case 'secureBootstrap': {
      const serverCa = (op.args?.serverCa as string[] | undefined) ?? secure.serverCa;
      const securePort = (op.args?.securePort as number | undefined) ?? secure.securePort;
      if (!serverCa?.length || !securePort)
        throw new ValidationError(
          'secure-mode-unavailable',
          'secureBootstrap: this gateway has no secure listener (WORKPOINT_SECURE_CLIENT_CA_FILE) and the job names no serverCa and securePort',
        );
      return {
        kind: 'secure-bootstrap',
        mode: 'nopin',
        clientCertificate: plainValue ?? '',
        serverCa,
        securePort,
      };
    }
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
  secure?: SecureListenerDefaults,
): WorkpointJob {
  return {
    id: job.id,
    operations: operations.map((op) => compileWorkpointOperation(op, op.value, secure)),
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
