import { basicCredential, hmacDigest, md5Credential, sameSecret } from '../auth/digest';
import { parseHmacHeader } from '../auth/hmac-header';
import type { SyncHdr } from '../message/types';
import type { DmClientAuthScheme, DmDeviceAccount } from './types';

export const AUTH_TYPE: Record<Exclude<DmClientAuthScheme, 'none'>, string> = {
  basic: 'syncml:auth-basic',
  md5: 'syncml:auth-md5',
  hmac: 'syncml:auth-MAC',
};

export type ClientAuthVerdict =
  { ok: true; usedEmptyNonce?: boolean } | { ok: false; status: 401 | 407; reason: string };

export interface ClientAuthInput {
  account: DmDeviceAccount;
  header: SyncHdr;
  /** exact request bytes (HMAC covers them) */
  body: Uint8Array;
  hmacHeader?: string;
  /** base64 of the nonce in force */
  nonce: string;
  /** the session authenticated earlier (creds no longer needed except HMAC on every message) */
  authenticated: boolean;
  allowEmptyNonceAfterAuth: boolean;
}

function nonceBytes(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

/**
 * Checks the device's credentials for one message (DM Security 1.2 §5.1; shared/protocols §3.6).
 * Basic and MD5 are checked until the session is authenticated; HMAC on every message.
 */
export function verifyClientAuth(input: ClientAuthInput): ClientAuthVerdict {
  const { account, header } = input;
  switch (account.clientAuth) {
    case 'none':
      return { ok: true };
    case 'hmac': {
      if (!input.hmacHeader)
        return { ok: false, status: 407, reason: 'x-syncml-hmac header missing' };
      let parsed;
      try {
        parsed = parseHmacHeader(input.hmacHeader);
      } catch (err) {
        return { ok: false, status: 401, reason: (err as Error).message };
      }
      if (parsed.username !== account.clientName)
        return { ok: false, status: 401, reason: 'HMAC username is not the device account name' };
      const expected = hmacDigest(
        account.clientName,
        account.clientPassword,
        nonceBytes(input.nonce),
        input.body,
      );
      if (sameSecret(parsed.mac, expected)) return { ok: true };
      if (input.authenticated && input.allowEmptyNonceAfterAuth) {
        const empty = hmacDigest(
          account.clientName,
          account.clientPassword,
          new Uint8Array(0),
          input.body,
        );
        if (sameSecret(parsed.mac, empty)) return { ok: true, usedEmptyNonce: true };
      }
      return { ok: false, status: 401, reason: 'HMAC does not match' };
    }
    case 'basic':
    case 'md5': {
      if (input.authenticated) return { ok: true };
      const cred = header.cred;
      if (!cred) return { ok: false, status: 407, reason: 'credentials missing' };
      const type = cred.meta?.type ?? 'syncml:auth-basic';
      if (type !== AUTH_TYPE[account.clientAuth])
        return { ok: false, status: 401, reason: `credential type ${type} not accepted` };
      const locName = header.source.locName;
      if (locName !== undefined && locName !== account.clientName)
        return { ok: false, status: 401, reason: 'LocName is not the device account name' };
      const expected =
        account.clientAuth === 'basic'
          ? basicCredential(account.clientName, account.clientPassword)
          : md5Credential(account.clientName, account.clientPassword, nonceBytes(input.nonce));
      return sameSecret(cred.data, expected)
        ? { ok: true }
        : { ok: false, status: 401, reason: 'invalid credentials' };
    }
  }
}
