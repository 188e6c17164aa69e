/**
 * The raw Node HTTP(S) ceiling for `npm run bench` (bench/run-all.ts): a trivial server that reads
 * the request body and answers a fixed body, in its own process as the gateway is in bench:dm and
 * bench:workpoint. Parent -> { cmd: 'start', tls?: { key, cert }, body } | { cmd: 'cpu' } |
 * { cmd: 'stop' }; child -> { port } | { cpu } | { stopped }.
 */
import * as http from 'node:http';
import * as https from 'node:https';

let server: http.Server | https.Server | undefined;

process.on('message', (m: any) => {
  if (m.cmd === 'start') {
    const body = Buffer.from(m.body as string);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'content-type': m.contentType, 'content-length': body.length });
        res.end(body);
      });
    };
    server = m.tls
      ? https.createServer({ key: m.tls.key, cert: m.tls.cert }, handler)
      : http.createServer(handler);
    server.keepAliveTimeout = 10_000;
    server.listen(0, '127.0.0.1', () => {
      const a = server!.address();
      process.send!({ port: typeof a === 'object' && a ? a.port : 0 });
    });
  } else if (m.cmd === 'cpu') {
    process.send!({ cpu: process.cpuUsage() });
  } else if (m.cmd === 'stop') {
    server?.closeAllConnections();
    server?.close(() => process.send!({ stopped: true }, () => process.exit(0)));
  }
});
