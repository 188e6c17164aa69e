import { createHmac, timingSafeEqual } from 'node:crypto';
import { asBuffer } from '../bytes';
import { CpSecurityError } from '../errors';
import { PARAM_MAC, PARAM_SEC } from '../wsp/tables';
import type { WspParameter } from '../wsp/push-pdu';
import { deriveCpKey, type CpKeyInput } from './keys';
import { secName, secValue, type CpSecName, type CpSecValue } from './sec';

/** HMAC-SHA1 over exactly the WBXML bytes sent, as 40 upper-case hex (ProvBoot §5.4). */
export function computeCpMac(key: Uint8Array, wbxml: Uint8Array): string {
  return createHmac('sha1', key).update(asBuffer(wbxml)).digest('hex').toUpperCase();
}

export interface SignedProvisioningDocument {
  sec: CpSecValue;
  secName: CpSecName;
  mac: string;
  /** Ready for encodeWspPush: [SEC, MAC] in the order Kannel and handsets expect. */
  contentTypeParams: WspParameter[];
}

export function cpSecurityParams(sec: number, mac: string): WspParameter[] {
  return [
    { name: 'SEC', code: PARAM_SEC, value: sec },
    { name: 'MAC', code: PARAM_MAC, value: mac },
  ];
}

/**
 * A signer with its key derived once; use it when many documents go to one subscriber, or
 * build one per IMSI and reuse it (key derivation is the only per-subscriber step).
 */
export class CpSigner {
  readonly sec: CpSecValue;
  private readonly key: Buffer;

  constructor(input: CpKeyInput) {
    this.sec = secValue(input.sec);
    this.key = deriveCpKey(input);
  }

  sign(wbxml: Uint8Array): SignedProvisioningDocument {
    const mac = computeCpMac(this.key, wbxml);
    return {
      sec: this.sec,
      secName: secName(this.sec),
      mac,
      contentTypeParams: cpSecurityParams(this.sec, mac),
    };
  }
}

export function signProvisioningDocument(
  wbxml: Uint8Array,
  input: CpKeyInput,
): SignedProvisioningDocument {
  return new CpSigner(input).sign(wbxml);
}

export interface CpVerifyInput extends CpKeyInput {
  /** The MAC parameter as received. */
  mac: string;
}

/**
 * Handset-side check (used by the simulator): recomputes the MAC from the handset's IMSI/PIN
 * and compares it as the 40-character upper-case string a handset compares. Throws
 * CpSecurityError('CP_MAC_MISMATCH') on a wrong MAC.
 */
export function verifyProvisioningMac(wbxml: Uint8Array, input: CpVerifyInput): void {
  if (!/^[0-9A-Fa-f]{40}$/.test(input.mac)) {
    throw new CpSecurityError('CP_INVALID_MAC', 'MAC must be 40 hexadecimal characters');
  }
  const expected = Buffer.from(computeCpMac(deriveCpKey(input), wbxml), 'ascii');
  const got = Buffer.from(input.mac, 'ascii');
  if (!timingSafeEqual(expected, got)) {
    throw new CpSecurityError(
      'CP_MAC_MISMATCH',
      `MAC does not match the document for SEC ${secName(secValue(input.sec))}`,
    );
  }
}
