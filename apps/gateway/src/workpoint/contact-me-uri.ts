import type { PhoneState } from '@dm-bridge/workpoint';

/**
 * Where to send a phone's contact-me: the `contact-me-uri` it reported, else the DG's default
 * listener on the address it last called from (`http://<ip>:8085/contact_dls.html/ContactDLS`).
 */
export function contactMeUri(state: PhoneState): string | undefined {
  const reported = state.inventory['contact-me-uri'];
  if (reported) return reported;
  if (!state.addr) return undefined;
  const ip = state.addr.replace(/^::ffff:(?=\d+\.)/, '');
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `http://${host}:8085/contact_dls.html/ContactDLS`;
}
