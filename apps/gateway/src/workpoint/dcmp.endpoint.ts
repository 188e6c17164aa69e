import { normalizeMac } from '@dm-bridge/workpoint';
import { IncomingMessage, ServerResponse } from 'node:http';
import { sendPlain } from '../device-http/device-http.server';
import { PhoneStateStore } from './phone-state.store';
import { WorkpointJobSource } from './workpoint-job-source';

export const DCMP_PATH = '/dcmp/contact-me';

const plainIp = (ip: string | undefined) => (ip ?? '').replace(/^::ffff:(?=\d+\.)/, '');

/**
 * DLS Contact-Me Proxy poll (WIKI-DCMP, DG p.15/p.24): phones behind NAT ask
 * `GET /dcmp/contact-me?device-id=<mac>`; 202 = jobs wait (the phone opens a solicited
 * interaction), 200 = nothing to do. The poll proves nothing about who asks, so 202 goes only to
 * the address the phone itself last called the DLS from (behind NAT: the same public address);
 * anyone else gets 200 whatever waits — DCMP does not tell strangers which phones have jobs.
 */
export async function handleDcmpPoll(
  source: WorkpointJobSource,
  store: PhoneStateStore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const mac = normalizeMac(url.searchParams.get('device-id') ?? undefined);
  if (!mac) return sendPlain(res, 400, 'device-id must be a MAC address');
  const state = await store.get(mac);
  const own = !!state?.addr && plainIp(state.addr) === plainIp(req.socket.remoteAddress);
  const pending = own && (await source.hasPending(mac));
  sendPlain(res, pending ? 202 : 200, pending ? 'contact the DLS' : 'nothing pending');
}
