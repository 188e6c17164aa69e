import { createServer } from 'node:net';

/**
 * A port free to listen on, picked at random below the kernel's ephemeral range (32768 and up
 * on Linux): processes restarted on the same port must not find it taken as the source port of
 * some outgoing connection, which an ephemeral port easily is on a busy machine.
 */
export async function freeListenPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port in 20000-31999');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}
