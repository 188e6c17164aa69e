import {
  parseProvisioningXml,
  type ProvCharacteristic,
  type ProvisioningDocument,
} from '@dm-bridge/omacp';
import { ValidationError } from '../errors';
import { JobOperation } from '../jobs/job.model';

/**
 * The parm that names a characteristic instance when a path selects one with `[…]`
 * (`APPLICATION[w7]/ADDR` → APPLICATION with APPID=w7), OMA-WAP-ProvCont-V1_1 §5.
 */
const SELECTOR_PARM: Record<string, string> = {
  APPLICATION: 'APPID',
  NAPDEF: 'NAPID',
  PXLOGICAL: 'PROXY-ID',
  PXPHYSICAL: 'PHYSICAL-PROXY-ID',
  BOOTSTRAP: 'NAME',
};

function child(
  parent: { children?: ProvCharacteristic['children']; characteristics?: ProvCharacteristic[] },
  type: string,
  selector?: string,
): ProvCharacteristic {
  const list = (parent.children ?? parent.characteristics)! as ProvCharacteristic['children'];
  const key = SELECTOR_PARM[type];
  let found = list.find(
    (n): n is ProvCharacteristic =>
      n.kind === 'characteristic' &&
      n.type === type &&
      (selector === undefined ||
        n.children.some((p) => p.kind === 'parm' && p.name === key && p.value === selector)),
  );
  if (!found) {
    found = { kind: 'characteristic', type, children: [] };
    if (selector !== undefined) {
      if (!key)
        throw new ValidationError(
          'invalid-path',
          `characteristic ${type} cannot be selected with [${selector}]`,
        );
      found.children.push({ kind: 'parm', name: key, value: selector });
    }
    list.push(found);
  }
  return found;
}

/**
 * A CP job's operations as one wap-provisioningdoc: `set`/`add` on `CHAR[sel]/…/PARM` paths build
 * the characteristic tree in operation order; `bootstrap`/`raw` take a whole document
 * (`args.xml`) whose characteristics are appended.
 */
export function compileCpDocument(ops: JobOperation[]): ProvisioningDocument {
  const doc: ProvisioningDocument = { version: '1.0', characteristics: [] };
  for (const op of ops) {
    if (op.op === 'bootstrap' || op.op === 'raw') {
      if (typeof op.args?.xml !== 'string')
        throw new ValidationError(
          'invalid-args',
          `'${op.op}' on a CP device needs args.xml (a wap-provisioningdoc)`,
        );
      const parsed = parseProvisioningXml(op.args.xml);
      doc.version = parsed.version;
      doc.characteristics.push(...parsed.characteristics);
      continue;
    }
    if (op.op !== 'set' && op.op !== 'add')
      throw new ValidationError('unsupported-operation', `OMA CP can only set, not '${op.op}'`);
    const parts = op.target!.path.split('/').filter(Boolean);
    const parmName = parts.pop();
    if (!parmName || !parts.length)
      throw new ValidationError(
        'invalid-path',
        `CP path '${op.target!.path}' needs CHARACTERISTIC/…/PARM`,
      );
    let node: ProvCharacteristic | undefined;
    for (const part of parts) {
      const m = /^([A-Z0-9_-]+)(?:\[([^\]]+)\])?$/i.exec(part);
      if (!m)
        throw new ValidationError(
          'invalid-path',
          `CP path segment '${part}' is not CHAR or CHAR[selector]`,
        );
      node = child(node ?? doc, m[1], m[2]);
    }
    node!.children.push({ kind: 'parm', name: parmName, value: op.value ?? '' });
  }
  return doc;
}
