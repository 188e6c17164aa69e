/**
 * OMA Client Provisioning document model (OMA-WAP-ProvCont-V1_1 §5): a wap-provisioningdoc
 * holds characteristics; a characteristic holds parms and nested characteristics in document
 * order (order matters: it is encoded, and so it is MAC'd, as given).
 */
export interface ProvParm {
  kind: 'parm';
  name: string;
  /** Absent for value-less parms such as INIT. */
  value?: string;
}

export interface ProvCharacteristic {
  kind: 'characteristic';
  type: string;
  children: ProvNode[];
}

export type ProvNode = ProvParm | ProvCharacteristic;

export interface ProvisioningDocument {
  /** The version attribute: "1.0" (one WBXML token) or "1.1". */
  version: string;
  characteristics: ProvCharacteristic[];
}

export const PROV_PUBLIC_ID = '-//WAPFORUM//DTD PROV 1.0//EN';
export const PROV_SYSTEM_ID = 'http://www.wapforum.org/DTD/prov.dtd';

export function parm(name: string, value?: string): ProvParm {
  return value === undefined ? { kind: 'parm', name } : { kind: 'parm', name, value };
}

export function characteristic(type: string, children: ProvNode[] = []): ProvCharacteristic {
  return { kind: 'characteristic', type, children };
}

export function provisioningDocument(
  characteristics: ProvCharacteristic[],
  version = '1.0',
): ProvisioningDocument {
  return { version, characteristics };
}

/** Parm names whose values are secrets: masked in previews, never logged. */
const SECRET_PARMS = new Set([
  'AUTHSECRET',
  'AAUTHSECRET',
  'AAUTHDATA',
  'PXAUTH-PW',
  'BASAUTH-PW',
  'PROXY-PW',
  'WEPKEY',
]);

export function isSecretParm(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_PARMS.has(upper) || /(SECRET|PASSWORD|-PW$)/.test(upper);
}

/** Every secret parm value in the document (for masking previews). */
export function collectSecretValues(doc: ProvisioningDocument): string[] {
  const out = new Set<string>();
  const walk = (nodes: readonly ProvNode[]) => {
    for (const n of nodes) {
      if (n.kind === 'characteristic') walk(n.children);
      else if (n.value !== undefined && n.value !== '' && isSecretParm(n.name)) out.add(n.value);
    }
  };
  walk(doc.characteristics);
  return [...out];
}

/** Parms of a characteristic in order (nested characteristics skipped). */
export function parmsOf(c: ProvCharacteristic): ProvParm[] {
  return c.children.filter((n): n is ProvParm => n.kind === 'parm');
}

export function childCharacteristics(c: ProvCharacteristic): ProvCharacteristic[] {
  return c.children.filter((n): n is ProvCharacteristic => n.kind === 'characteristic');
}
