import type { ContactMeRequest } from '@dm-bridge/workpoint';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export class ContactMeError extends Error {}

/**
 * Sends one contact-me request. Any 2xx is accepted (the DG shows 204 No Content; some firmware
 * may answer an "Acknowledged" page). The phone's web server is fragile: one request, no keep-alive.
 */
export function sendContactMe(req: ContactMeRequest, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = send(
      url,
      {
        method: req.method,
        headers: { ...req.headers, connection: 'close' },
        timeout: timeoutMs,
        agent: false,
        // a phone's WBM certificate is self-signed
        ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(status);
        else reject(new ContactMeError(`phone answered contact-me with HTTP ${status}`));
      },
    );
    r.on('timeout', () =>
      r.destroy(new ContactMeError(`no answer to contact-me within ${timeoutMs} ms`)),
    );
    r.on('error', (err) =>
      reject(
        err instanceof ContactMeError
          ? err
          : new ContactMeError(`contact-me failed: ${err.message}`),
      ),
    );
    r.end(req.body);
  });
}
