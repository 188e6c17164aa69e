import { SecureModePinUnsupportedError, WorkpointOperationError } from '../errors';
import { WorkpointItem } from '../types';
import { WorkpointJob, WorkpointOperation } from './engine-types';

/** Publicly documented factory-reset password (DG p.51). */
export const FACTORY_RESET_PASSWORD = '124816';

/** Operations whose outcome is only known after the interaction (reboot, later status). */
export const DEFERRED_KINDS: ReadonlySet<string> = new Set([
  'restart',
  'software-deploy',
  'secure-bootstrap',
]);

/** Items of a Restart message. */
export function restartItems(op: { factoryReset?: boolean }): WorkpointItem[] {
  return op.factoryReset
    ? [
        { name: 'restart-type', value: 'FactoryReset' },
        { name: 'restart-password', value: FACTORY_RESET_PASSWORD },
      ]
    : [];
}

/** WriteItems content of a secure-mode bootstrap without PIN (DG p.62-65). */
export function secureBootstrapItems(
  op: Extract<WorkpointOperation, { kind: 'secure-bootstrap' }>,
): WorkpointItem[] {
  if (op.mode === 'pin') throw new SecureModePinUnsupportedError();
  if (op.mode !== 'nopin')
    throw new WorkpointOperationError(`secure-bootstrap mode must be "nopin", got "${op.mode}"`);
  if (!op.clientCertificate)
    throw new WorkpointOperationError('secure-bootstrap needs a client certificate');
  if (!Array.isArray(op.serverCa) || op.serverCa.length === 0)
    throw new WorkpointOperationError('secure-bootstrap needs at least one server CA certificate');
  if (!Number.isInteger(op.securePort) || op.securePort < 1 || op.securePort > 65535)
    throw new WorkpointOperationError(`secure-bootstrap port ${op.securePort} is not a TCP port`);
  return [
    { name: 'goto-secure-mode', value: 'nopin' },
    { name: 'dls-client-certificate', value: op.clientCertificate },
    ...op.serverCa.map((pem, i) => ({ name: 'dls-server-ca', index: i, value: pem })),
    { name: 'dls-secure-port', value: String(op.securePort) },
  ];
}

/** Number of distinct files in a file deployment (multi-file deployments send no status). */
export function fileCount(items: WorkpointItem[]): number {
  return new Set(items.filter((i) => i.name.startsWith('file-')).map((i) => i.index ?? 1)).size;
}

/** Items only a secure-mode bootstrap may carry (seed 002: "no other message … contains" them). */
const SECURE_MODE_ONLY = new Set(['goto-secure-mode', 'secure-mode-data']);

/** Throws when `items` of a message other than the secure-mode bootstrap name secure-mode switches. */
export function refuseSecureModeItems(items: { name: string }[], where: string): void {
  const bad = items.find((it) => SECURE_MODE_ONLY.has(it.name));
  if (bad)
    throw new WorkpointOperationError(
      `${where}: '${bad.name}' may only be sent by a secure-bootstrap operation (seed 002)`,
    );
}

/**
 * Checks a job before it is served. Throws WorkpointOperationError with a message fit for the
 * job's faults. Operations completed after a reboot or a later status must come last.
 */
export function validateJob(job: WorkpointJob): void {
  if (!job.id) throw new WorkpointOperationError('job without id');
  if (!Array.isArray(job.operations) || job.operations.length === 0)
    throw new WorkpointOperationError(`job ${job.id} has no operations`);
  job.operations.forEach((op, i) => {
    const last = i === job.operations.length - 1;
    if ((DEFERRED_KINDS.has(op.kind) || op.kind === 'file-deploy') && !last)
      throw new WorkpointOperationError(
        `job ${job.id}: ${op.kind} must be the job's last operation (the phone reboots or reports later)`,
      );
    switch (op.kind) {
      case 'read-all':
      case 'restart':
        return;
      case 'read':
      case 'write':
      case 'file-deploy':
        if (!Array.isArray(op.items) || op.items.length === 0)
          throw new WorkpointOperationError(`job ${job.id}: ${op.kind} without items`);
        refuseSecureModeItems(op.items, `job ${job.id}: ${op.kind}`);
        return;
      case 'software-deploy':
        if (!op.version)
          throw new WorkpointOperationError(
            `job ${job.id}: software-deploy needs the target version`,
          );
        if (!Array.isArray(op.items) || op.items.length === 0)
          throw new WorkpointOperationError(`job ${job.id}: software-deploy without items`);
        refuseSecureModeItems(op.items, `job ${job.id}: software-deploy`);
        return;
      case 'secure-bootstrap':
        secureBootstrapItems(op);
        return;
      default:
        throw new WorkpointOperationError(
          `job ${job.id}: unknown operation kind "${(op as { kind: string }).kind}"`,
        );
    }
  });
}

/** Items whose values are secrets: never written to a caller whose identity is not corroborated. */
export function isSecretItem(name: string): boolean {
  if (name === 'restart-password') return false; // the factory-reset password is public (DG p.51)
  return /pwd|password|passwd|secret|private|dls-client-certificate|secure-mode-data|tan$/i.test(
    name,
  );
}
