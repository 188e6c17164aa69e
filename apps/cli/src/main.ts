/**
 * `dm-bridge <command> …`: one binary for operators and integrators. Each command lives in
 * commands/<name>.command.ts and exports run(argv) -> exit code; it is loaded only when asked for,
 * so `dm-bridge wbxml …` does not pay for the SMPP or HTTP client code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const COMMANDS: Record<string, string> = {
  wbxml: 'encode and decode WBXML (SyncML, DevInf, OMA Provisioning)',
  push: 'preview or send OMA CP documents and OMA DM notifications over SMPP',
  devices: 'manage devices through the REST API',
  jobs: 'manage jobs through the REST API',
  campaigns: 'manage campaigns through the REST API',
  binds: 'manage SMSC binds (SMPP connections) through the REST API',
};

function usage(): string {
  const names = Object.keys(COMMANDS).filter((name) => commandFile(name) !== undefined);
  return [
    'usage: dm-bridge <command> [options]',
    '',
    ...names.map((n) => `  ${n.padEnd(10)} ${COMMANDS[n]}`),
    '',
    'Run `dm-bridge <command> --help` for a command’s options, `dm-bridge --version` for the version.',
  ].join('\n');
}

/** The version of the package this file belongs to (source or dist tree). */
export function cliVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'dm-bridge') return pkg.version ?? '0.0.0';
  }
  return '0.0.0';
}

function commandFile(name: string): string | undefined {
  for (const ext of ['.js', '.ts']) {
    const file = join(__dirname, 'commands', `${name}.command${ext}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`dm-bridge ${cliVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const file = COMMANDS[name] ? commandFile(name) : undefined;
  if (!file) {
    process.stderr.write(`dm-bridge: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  const command = (await import(file)) as { run(argv: string[]): Promise<number> };
  return command.run(rest);
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`dm-bridge: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
