/** Default contact-me address when a phone has not told us its contact-me-uri (DG p.14). */
export const CONTACT_ME_PORT = 8085;
export const CONTACT_ME_PATH = '/contact_dls.html/ContactDLS';

export interface ContactMeRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/**
 * The HTTP request that asks a phone to call back (DG p.14-15): a form POST with
 * `ContactMe=true` and, optionally, the address/port the phone should contact.
 */
export function buildContactMeRequest(opts: {
  /** the phone's contact-me-uri, or its IP address / host */
  phone: string;
  callbackHost?: string;
  callbackPort?: number;
}): ContactMeRequest {
  const url = /^https?:\/\//i.test(opts.phone)
    ? opts.phone
    : `http://${opts.phone.includes(':') && !opts.phone.startsWith('[') ? `[${opts.phone}]` : opts.phone}:${CONTACT_ME_PORT}${CONTACT_ME_PATH}`;
  const form = new URLSearchParams({ ContactMe: 'true' });
  if (opts.callbackHost) form.set('dls_ip_addr', opts.callbackHost);
  if (opts.callbackPort) form.set('dls_ip_port', String(opts.callbackPort));
  const body = form.toString();
  return {
    url,
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'Content-Length': String(body.length),
    },
    body,
  };
}
