import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The built gateway as a child process for the API benchmarks (`all` role, ephemeral ports,
 * a fresh master key, the given admin key); resolves with its API URL once it says it started.
 */
export function startBenchGateway(o: {
  /** the environment to start from, naming Redis (REDIS_URL or REDIS_CLUSTER_NODES, …) */
  baseEnv: NodeJS.ProcessEnv;
  prefix: string;
  varDir: string;
  adminKey: string;
  /** largest import the benchmark sends */
  importRows: number;
}): Promise<{ child: ChildProcess; api: string }> {
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', 'apps', 'gateway', 'src', 'main.js')],
    {
      env: {
        ...o.baseEnv,
        API_PORT: '0',
        DEVICE_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        REDIS_PREFIX: o.prefix,
        VAR_DIR: o.varDir,
        DMB_MASTER_KEY: randomBytes(32).toString('hex'),
        DMB_ADMIN_API_KEY: o.adminKey,
        LOG_LEVEL: 'warn',
        IMPORT_MAX_ROWS: String(Math.max(o.importRows, 100000)),
        WORKPOINT_PORT: '0',
        WORKPOINT_SECURE_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"api":"(http:\/\/[^"]+)"/.exec(buf);
      if (m) resolve({ child, api: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
}
