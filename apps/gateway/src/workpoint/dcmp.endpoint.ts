import { normalizeMac } from '@dm-bridge/workpoint';
import { IncomingMessage, ServerResponse } from 'node:http';
import { sendPlain } from '../device-http/device-http.server';
import { WorkpointJobSource } from './workpoint-job-source';

export const DCMP_PATH = '/dcmp/contact-me';

/**
 * DLS Contact-Me Proxy poll (WIKI-DCMP, DG p.15/p.24): phones behind NAT ask
 * `GET /dcmp/contact-me?device-id=<mac>`; 202 = jobs wait (the phone opens a solicited
 * interaction), 200 = nothing to do.
 */
export async function handleDcmpPoll(
  source: WorkpointJobSource,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const mac = normalizeMac(url.searchParams.get('device-id') ?? undefined);
  if (!mac) return sendPlain(res, 400, 'device-id must be a MAC address');
  const pending = await source.hasPending(mac);
  sendPlain(res, pending ? 202 : 200, pending ? 'contact the DLS' : 'nothing pending');
}
