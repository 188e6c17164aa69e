import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { RedisTopology } from '../config/redis-topology';

/**
 * The embedded default for Redis: when REDIS_URL is unset and nothing answers on 127.0.0.1:6379,
 * start a private redis-server under <varDir>/redis (AOF on, noeviction), record its port there so a
 * second gateway process on this machine joins it, and stop it when the last process that uses it
 * exits. Each user registers a file <varDir>/redis/users/<pid>; a user that exits removes its file
 * and shuts Redis down when no live user remains.
 */
export class RedisUnavailableError extends Error {
  constructor() {
    super(
      'no Redis: nothing answers on 127.0.0.1:6379 and redis-server is not on PATH. ' +
        'Set REDIS_URL=redis://host:port, install redis-server (apt-get install redis-server), ' +
        'or run `docker compose up -d redis`.',
    );
    this.name = 'RedisUnavailableError';
  }
}

export interface ResolvedRedis {
  url: string;
  embedded: boolean;
  /** set for a cluster or sentinel (then `url` only describes it); unset for a single Redis */
  topology?: RedisTopology;
  /** call on shutdown; stops the embedded server when this was its last user */
  release(): Promise<void>;
}

export function redisAnswers(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function liveUsers(usersDir: string): number[] {
  if (!existsSync(usersDir)) return [];
  return readdirSync(usersDir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .filter((pid) => {
      if (processAlive(pid)) return true;
      rmSync(join(usersDir, String(pid)), { force: true });
      return false;
    });
}

function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitForRedis(port: number, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await redisAnswers('127.0.0.1', port, 200)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function shutdownRedis(port: number): Promise<void> {
  await new Promise<void>((done) => {
    const socket = new Socket();
    socket.setTimeout(1000, () => {
      socket.destroy();
      done();
    });
    socket.once('error', () => done());
    socket.once('close', () => done());
    socket.connect(port, '127.0.0.1', () => socket.write('SHUTDOWN\r\n'));
  });
}

export async function resolveRedis(
  configuredUrl: string | undefined,
  varDir: string,
  log: (msg: string) => void = () => undefined,
  /** the conventional local Redis tried before starting one (tests point it elsewhere) */
  localPort = 6379,
): Promise<ResolvedRedis> {
  const noop = async () => undefined;
  if (configuredUrl) return { url: configuredUrl, embedded: false, release: noop };
  if (await redisAnswers('127.0.0.1', localPort)) {
    return { url: `redis://127.0.0.1:${localPort}`, embedded: false, release: noop };
  }

  const dir = resolve(varDir, 'redis');
  const usersDir = join(dir, 'users');
  const portFile = join(dir, 'port');
  mkdirSync(usersDir, { recursive: true });

  let port: number | undefined;
  if (existsSync(portFile)) {
    const recorded = Number(readFileSync(portFile, 'utf8').trim());
    if (recorded > 0 && (await redisAnswers('127.0.0.1', recorded))) port = recorded;
  }
  if (port === undefined) {
    if (!redisServerOnPath()) throw new RedisUnavailableError();
    port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    if (!(await waitForRedis(port, 5000))) throw new RedisUnavailableError();
    writeFileSync(portFile, `${port}\n`);
    log(`started embedded redis-server on 127.0.0.1:${port} (data in ${dir})`);
  } else {
    log(`joined embedded redis-server on 127.0.0.1:${port}`);
  }

  const me = join(usersDir, String(process.pid));
  writeFileSync(me, '');
  const ownPort = port;
  return {
    url: `redis://127.0.0.1:${ownPort}`,
    embedded: true,
    async release() {
      rmSync(me, { force: true });
      if (liveUsers(usersDir).length === 0) {
        await shutdownRedis(ownPort);
        rmSync(portFile, { force: true });
      }
    },
  };
}
