import { createServer } from 'node:net';
import { freePort } from '../../../test/support/processes';

/** `preferred` when nothing listens on it (127.0.0.1), else a free port. */
export async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(preferred, '127.0.0.1', () => s.close(() => done(true)));
  });
  return free ? preferred : freePort();
}
