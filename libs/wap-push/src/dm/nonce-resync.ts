/**
 * Nonce resynchronisation (OMA-TS-DM_Notification-V1_2 §6.2 "Nonce Resynchronisation"): a
 * client whose stored server nonce fails a package #0 digest SHOULD verify it again with the
 * special nonce value 0x00000000, and start the session if that matches. Servers may not rely
 * on it (a client need not support it).
 *
 * The text leaves the form of that value open and clients differ: four zero bytes, or the
 * ten ASCII characters "0x00000000" (the open-source libdmclient's reading). Both are offered.
 */
export const NONCE_RESYNC_VALUES = {
  binary: new Uint8Array(4),
  ascii: new Uint8Array(Buffer.from('0x00000000', 'latin1')),
} as const;

export type NonceResyncForm = keyof typeof NONCE_RESYNC_VALUES;

export const NONCE_RESYNC_FORMS = Object.keys(NONCE_RESYNC_VALUES) as NonceResyncForm[];
