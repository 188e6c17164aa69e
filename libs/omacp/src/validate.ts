import type { ProvCharacteristic, ProvisioningDocument } from './model';
import {
  CHARACTERISTIC_RULES,
  KNOWN_VALUES,
  PROV_1_1_ONLY,
  TOP_LEVEL_CHARACTERISTICS,
} from './vocabulary';

export type ProvisioningIssueCode =
  | 'UNKNOWN_CHARACTERISTIC'
  | 'UNKNOWN_PARM'
  | 'MISPLACED_CHARACTERISTIC'
  | 'MISSING_PARM'
  | 'REPEATED_PARM'
  | 'UNKNOWN_VALUE'
  | 'VERSION_MISMATCH'
  | 'UNKNOWN_VERSION'
  | 'EMPTY_DOCUMENT';

export interface ProvisioningIssue {
  severity: 'error' | 'warning';
  code: ProvisioningIssueCode;
  /** e.g. /characteristic[@type=NAPDEF]/parm[@name=NAPID] */
  path: string;
  message: string;
}

export interface ProvisioningValidation {
  valid: boolean;
  errors: ProvisioningIssue[];
  warnings: ProvisioningIssue[];
}

/**
 * Checks a document against the PROV 1.0/1.1 vocabulary. Unknown names (vendor or
 * application-specific parms such as w7 INIT) are allowed and reported as warnings; misplaced
 * characteristics, missing mandatory parms and repeated single-valued parms are errors.
 */
export function validateProvisioningDocument(doc: ProvisioningDocument): ProvisioningValidation {
  const issues: ProvisioningIssue[] = [];
  const add = (
    severity: ProvisioningIssue['severity'],
    code: ProvisioningIssueCode,
    path: string,
    message: string,
  ) => issues.push({ severity, code, path, message });
  const is10 = doc.version === '1.0';
  if (doc.version !== '1.0' && doc.version !== '1.1') {
    add('warning', 'UNKNOWN_VERSION', '/', `version "${doc.version}" is neither 1.0 nor 1.1`);
  }
  if (doc.characteristics.length === 0) {
    add(
      'error',
      'EMPTY_DOCUMENT',
      '/',
      'a provisioning document needs at least one characteristic',
    );
  }
  const note11 = (name: string, path: string) => {
    if (is10 && PROV_1_1_ONLY.has(name)) {
      add(
        'warning',
        'VERSION_MISMATCH',
        path,
        `${name} is PROV 1.1 vocabulary in a version 1.0 document`,
      );
    }
  };

  const visit = (c: ProvCharacteristic, parent: string | undefined, path: string) => {
    const here = `${path}/characteristic[@type=${c.type}]`;
    const rule = CHARACTERISTIC_RULES[c.type];
    note11(c.type, here);
    if (parent === undefined) {
      if (rule && !TOP_LEVEL_CHARACTERISTICS.includes(c.type)) {
        add(
          'error',
          'MISPLACED_CHARACTERISTIC',
          here,
          `${c.type} cannot be a top-level characteristic`,
        );
      }
    } else {
      const parentRule = CHARACTERISTIC_RULES[parent];
      if (rule && parentRule && !parentRule.children.includes(c.type)) {
        add('error', 'MISPLACED_CHARACTERISTIC', here, `${c.type} is not allowed inside ${parent}`);
      }
    }
    if (!rule) {
      add(
        'warning',
        'UNKNOWN_CHARACTERISTIC',
        here,
        `characteristic type ${c.type} is not in the PROV vocabulary`,
      );
    }
    const seen = new Map<string, number>();
    for (const n of c.children) {
      if (n.kind === 'characteristic') {
        visit(n, c.type, here);
        continue;
      }
      const p = `${here}/parm[@name=${n.name}]`;
      seen.set(n.name, (seen.get(n.name) ?? 0) + 1);
      if (rule && c.type !== 'VENDORCONFIG' && !rule.parms.includes(n.name)) {
        add('warning', 'UNKNOWN_PARM', p, `parm ${n.name} is not defined for ${c.type}`);
      }
      note11(n.name, p);
      const known = KNOWN_VALUES[n.name];
      if (known && n.value !== undefined && !known.includes(n.value)) {
        add('warning', 'UNKNOWN_VALUE', p, `value "${n.value}" is not a defined ${n.name} value`);
      }
    }
    if (rule) {
      for (const r of rule.required ?? []) {
        if (!seen.has(r)) add('error', 'MISSING_PARM', here, `${c.type} requires parm ${r}`);
      }
      for (const [name, count] of seen) {
        if (count > 1 && rule.parms.includes(name) && !(rule.repeatable ?? []).includes(name)) {
          add('error', 'REPEATED_PARM', here, `parm ${name} may occur only once in ${c.type}`);
        }
      }
    }
  };
  for (const c of doc.characteristics) visit(c, undefined, '');
  const errors = issues.filter((i) => i.severity === 'error');
  return {
    valid: errors.length === 0,
    errors,
    warnings: issues.filter((i) => i.severity === 'warning'),
  };
}
