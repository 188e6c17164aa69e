import { DmProtocolError } from '../errors';

/** The parsed `x-syncml-hmac` transport header (DM Security §5.1.3.1). */
export interface HmacHeader {
  algorithm: string;
  username: string;
  mac: string;
}

/**
 * Parses `algorithm=MD5, username="gw.example", mac=...`. Parameters are comma separated, spaces
 * optional (Koneki writes `username="funambol",mac=`); algorithm defaults to MD5.
 */
export function parseHmacHeader(value: string): HmacHeader {
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z-]+)\s*=\s*("([^"]*)"|[^,\s]*)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < value.length && (m = re.exec(value)) !== null) {
    if (m[0].length === 0) break;
    params.set(m[1].toLowerCase(), m[3] ?? m[2]);
    consumed = re.lastIndex;
  }
  if (consumed < value.trim().length)
    throw new DmProtocolError('malformed x-syncml-hmac header', 401);
  const username = params.get('username');
  const mac = params.get('mac');
  if (username === undefined || !mac)
    throw new DmProtocolError('x-syncml-hmac header lacks username or mac', 401);
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (algorithm !== 'MD5')
    throw new DmProtocolError(`x-syncml-hmac algorithm ${algorithm} is not supported`, 401);
  return { algorithm, username, mac };
}

export function formatHmacHeader(h: { username: string; mac: string }): string {
  return `algorithm=MD5, username="${h.username}", mac=${h.mac}`;
}
