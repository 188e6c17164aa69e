import { CpSecurityError } from '../errors';
import { CP_SEC, secValue, type CpSecName } from './sec';

/**
 * NETWPIN key material: the IMSI as held in EF_IMSI (3GPP TS 31.102 §4.2.2 / TS 24.008
 * §10.5.1.4 mobile identity): the digit string is prefixed with the identity-type/parity digit
 * (9 = odd count, 1 = even count), an even-length string is padded with F, and each pair of
 * digits is packed low nibble first. OMA-WAP-ProvBoot-V1_1 §5.4.2 uses these bytes as key.
 */
export function imsiToKey(imsi: string): Buffer {
  if (!/^[0-9]{6,15}$/.test(imsi)) {
    throw new CpSecurityError('CP_INVALID_KEY_MATERIAL', 'IMSI must be 6 to 15 decimal digits');
  }
  const digits = (imsi.length % 2 === 1 ? '9' : '1') + imsi + (imsi.length % 2 === 1 ? '' : 'F');
  const key = Buffer.allocUnsafe(digits.length / 2);
  for (let i = 0; i < key.length; i++) {
    const low = parseInt(digits[2 * i], 16);
    const high = parseInt(digits[2 * i + 1], 16);
    key[i] = (high << 4) | low;
  }
  return key;
}

function pinBytes(pin: string): Buffer {
  if (pin.length === 0 || !/^[\x20-\x7e]+$/.test(pin)) {
    throw new CpSecurityError('CP_INVALID_KEY_MATERIAL', 'PIN must be non-empty printable ASCII');
  }
  return Buffer.from(pin, 'ascii');
}

export interface CpKeyInput {
  sec: CpSecName | string | number;
  imsi?: string;
  pin?: string;
}

/**
 * HMAC key per SEC method (OMA-WAP-ProvBoot-V1_1 §5.4): NETWPIN = IMSI key, USERPIN = PIN
 * ASCII, USERNETWPIN = IMSI key || PIN ASCII. USERPINMAC is refused: its MAC-digit derivation
 * could not be verified against the specification text or an independent implementation.
 */
export function deriveCpKey(input: CpKeyInput): Buffer {
  const sec = secValue(input.sec);
  const needImsi = () => {
    if (input.imsi === undefined) {
      throw new CpSecurityError('CP_INVALID_KEY_MATERIAL', 'this SEC method needs the IMSI');
    }
    return imsiToKey(input.imsi);
  };
  const needPin = () => {
    if (input.pin === undefined) {
      throw new CpSecurityError('CP_INVALID_KEY_MATERIAL', 'this SEC method needs a PIN');
    }
    return pinBytes(input.pin);
  };
  switch (sec) {
    case CP_SEC.NETWPIN:
      return needImsi();
    case CP_SEC.USERPIN:
      return needPin();
    case CP_SEC.USERNETWPIN:
      return Buffer.concat([needImsi(), needPin()]);
    default:
      throw new CpSecurityError(
        'CP_UNSUPPORTED_SEC',
        'SEC USERPINMAC is not supported: its key derivation could not be verified from the ' +
          'specification; use NETWPIN, USERPIN or USERNETWPIN',
      );
  }
}
