import type { PhoneState } from '@dm-bridge/workpoint';
import { BlockList, isIP } from 'node:net';

const DEFAULT_PATH = '/contact_dls.html/ContactDLS';
const plainIp = (ip: string) => ip.replace(/^::ffff:(?=\d+\.)/, '');
const hostOf = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

/** Where contact-me may go besides the phone's own address (WORKPOINT_CONTACT_NETWORKS). */
export function contactNetworks(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    const type = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(net) || !/^\d+$/.test(bits ?? ''))
      throw new Error(`WORKPOINT_CONTACT_NETWORKS: '${c}' is not a CIDR block`);
    list.addSubnet(net, Number(bits), type);
  }
  return list;
}

/**
 * Where to send a phone's contact-me. The phone says where it listens (`contact-me-uri`), but
 * anyone can claim a MAC in plain mode, so only its port and path are taken as given: the host is
 * the address the phone last called from, unless the reported host is inside an allowed network
 * (a reported host elsewhere would let a caller aim the gateway's POSTs at any server). Without a
 * reported URI: the DG default on that address, `http://<ip>:8085/contact_dls.html/ContactDLS`.
 * `ports`, when not empty, lists the only ports contact-me may go to.
 */
export function contactMeUri(
  state: PhoneState,
  allowed: BlockList = new BlockList(),
  ports: number[] = [],
): string | undefined {
  const own = state.addr ? plainIp(state.addr) : undefined;
  let port = 8085;
  let path = DEFAULT_PATH;
  let host = own;
  const reported = state.inventory['contact-me-uri'];
  if (reported) {
    let url: URL | undefined;
    try {
      url = new URL(reported);
    } catch {
      url = undefined;
    }
    if (url && url.protocol === 'http:') {
      port = Number(url.port || 80);
      path = url.pathname + url.search;
      const claimed = plainIp(url.hostname.replace(/^\[|\]$/g, ''));
      const type = isIP(claimed);
      if (claimed === own || (type && allowed.check(claimed, type === 6 ? 'ipv6' : 'ipv4')))
        host = claimed;
    }
  }
  if (!host) return undefined;
  if (ports.length > 0 && !ports.includes(port)) return undefined;
  return `http://${hostOf(host)}:${port}${path}`;
}
