import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The simulated CP handset's own check of a push's SEC/MAC (OMA ProvBoot §5, written from the
 * text, independent of `libs/wap-push`): MAC = HMAC-SHA1(key, the WBXML body) as 40 upper-case hex
 * digits; the key is the IMSI in its EF_IMSI semi-octet form (NETWPIN), the PIN's ASCII bytes
 * (USERPIN), or both, IMSI first (USERNETWPIN). USERPINMAC is not understood.
 */
export function imsiKey(imsi: string): Buffer {
  if (!/^\d{6,15}$/.test(imsi)) throw new Error(`IMSI ${imsi} is not 6 to 15 digits`);
  // identity type 1 (IMSI) with the odd/even bit, then the digits; F pads an even count
  const nibbles = imsi.length % 2 === 1 ? `9${imsi}` : `1${imsi}F`;
  const out = Buffer.alloc(nibbles.length / 2);
  for (let i = 0; i < out.length; i++)
    out[i] = (parseInt(nibbles[2 * i + 1], 16) << 4) | parseInt(nibbles[2 * i], 16);
  return out;
}

export function checkCpMac(
  body: Uint8Array,
  push: { sec: number; mac: string },
  handset: { imsi?: string; pin?: string },
): void {
  const need = (what: 'imsi' | 'pin') => {
    const v = handset[what];
    if (!v) throw new Error(`SEC ${push.sec} needs the handset's ${what.toUpperCase()}`);
    return v;
  };
  let key: Buffer;
  if (push.sec === 0) key = imsiKey(need('imsi'));
  else if (push.sec === 1) key = Buffer.from(need('pin'), 'ascii');
  else if (push.sec === 2)
    key = Buffer.concat([imsiKey(need('imsi')), Buffer.from(need('pin'), 'ascii')]);
  else throw new Error(`SEC ${push.sec} is not supported by this handset`);
  const expected = Buffer.from(
    createHmac('sha1', key).update(body).digest('hex').toUpperCase(),
    'ascii',
  );
  const got = Buffer.from(push.mac, 'ascii');
  // devices compare the MAC as a string: lower case hex does not match
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    throw new Error(`MAC does not match the document (SEC ${push.sec})`);
}
