import { CpSecurityError } from '../errors';

/** SEC content-type parameter values (OMA-WAP-ProvBoot-V1_1 §5.3, WSP SEC parameter). */
export const CP_SEC = {
  NETWPIN: 0,
  USERPIN: 1,
  USERNETWPIN: 2,
  USERPINMAC: 3,
} as const;

export type CpSecName = keyof typeof CP_SEC;
export type CpSecValue = (typeof CP_SEC)[CpSecName];

const NAMES: readonly CpSecName[] = ['NETWPIN', 'USERPIN', 'USERNETWPIN', 'USERPINMAC'];

export function secName(value: number): CpSecName {
  const name = NAMES[value];
  if (name === undefined)
    throw new CpSecurityError('CP_UNSUPPORTED_SEC', `unknown SEC value ${value}`);
  return name;
}

/** Accepts 'NETWPIN' (any case) or 0..3. */
export function secValue(sec: CpSecName | string | number): CpSecValue {
  if (typeof sec === 'number') {
    secName(sec);
    return sec as CpSecValue;
  }
  const upper = sec.toUpperCase() as CpSecName;
  if (!(upper in CP_SEC)) {
    throw new CpSecurityError(
      'CP_UNSUPPORTED_SEC',
      `unknown SEC method "${sec}" (expected NETWPIN, USERPIN or USERNETWPIN)`,
    );
  }
  return CP_SEC[upper];
}
