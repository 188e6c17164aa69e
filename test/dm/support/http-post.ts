import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * POSTs bytes over a real socket. `chunked` sends the body in pieces with Transfer-Encoding:
 * chunked and no Content-Length, as Koneki's Apache HttpClient does.
 */
export function postRaw(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  chunked = false,
): Promise<RawResponse> {
  return new Promise((done, fail) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        headers: chunked ? headers : { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    if (chunked) {
      const mid = Math.floor(body.length / 2);
      req.write(body.subarray(0, mid));
      req.end(body.subarray(mid));
    } else req.end(body);
  });
}

/** Request headers of a capture file (`name: value` lines after the request line). */
export function capturedHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}
