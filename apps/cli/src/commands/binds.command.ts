import { call, CliError, CliOptions, COMMON_HELP, flag, print, runVerbs } from './rest-api';

const HELP = `usage: dm-bridge binds <list|show|add|set|pause|resume|remove> …
  list                                   every SMSC bind with its live state
  show ID                                one bind: settings, status, counters, last error
  add ID --smsc smpp://system_id@host:port?window=10&rate=200 [--password-stdin] [--paused]
  set ID [--smsc URL] [--password-stdin]  change settings (a URL without password keeps it)
  pause ID | resume ID                   stop sending and unbind / bind and send again
  remove ID [--force]                    --force: even with SMS still queued on it
The password is read from stdin with --password-stdin (or given in the URL); it is never printed.
${COMMON_HELP}`;

const line = (b: any) => {
  const s = b.status ?? {};
  const c = s.counters ?? {};
  const parts = [
    b.id,
    s.state,
    `${b.systemId}@${b.host}:${b.port}`,
    `window ${s.window?.inUse ?? 0}/${s.window?.size ?? b.window}`,
    `rate ${b.rate || '-'}${s.rate?.guardMs != null ? ` (guard ${s.rate.guardMs} ms)` : ''}`,
    `submitted ${c.submitted ?? 0} acked ${c.acknowledged ?? 0} receipts ${c.receipts ?? 0} throttled ${c.throttled ?? 0} reconnects ${c.reconnects ?? 0}`,
  ];
  if (s.owner) parts.push(`owner ${s.owner}`);
  if (s.lastError) parts.push(`last error ${s.lastError.at}: ${s.lastError.message}`);
  return parts.join('\t');
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function body(
  o: CliOptions,
  extra: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const b: Record<string, unknown> = { ...extra };
  if (flag(o, 'smsc')) b.url = flag(o, 'smsc');
  if (o.flags['password-stdin']) b.password = await readStdin();
  if (o.flags.password !== undefined)
    throw new CliError('--password would show in the process list: use --password-stdin');
  return b;
}

export function run(argv: string[]): Promise<number> {
  return runVerbs(
    argv,
    HELP,
    { name: 'binds', idName: 'a bind id' },
    async ({ o, verb, arg, id }) => {
      switch (verb) {
        case 'list': {
          const page = await call(o, 'GET', '/v1/smsc-binds');
          if (o.json) print(o, page);
          else for (const b of page.items) print(o, b, line);
          return 0;
        }
        case 'show':
        case 'get':
          print(o, await call(o, 'GET', `/v1/smsc-binds/${id()}`), (b) =>
            JSON.stringify(b, null, 2),
          );
          return 0;
        case 'add': {
          id();
          if (!flag(o, 'smsc')) throw new CliError('binds add needs --smsc smpp://…');
          const extra: Record<string, unknown> = { id: arg };
          if (o.flags.paused) extra.paused = true;
          print(o, await call(o, 'POST', '/v1/smsc-binds', await body(o, extra)), line);
          return 0;
        }
        case 'set': {
          const path = `/v1/smsc-binds/${id()}`;
          const b = await body(o, {});
          if (!Object.keys(b).length)
            throw new CliError('binds set needs --smsc or --password-stdin');
          print(o, await call(o, 'PATCH', path, b), line);
          return 0;
        }
        case 'pause':
        case 'resume':
          print(o, await call(o, 'POST', `/v1/smsc-binds/${id()}/${verb}`), line);
          return 0;
        case 'remove': {
          const q = o.flags.force ? '?force=true' : '';
          await call(o, 'DELETE', `/v1/smsc-binds/${id()}${q}`);
          process.stdout.write(`removed ${arg}\n`);
          return 0;
        }
        default:
          return undefined;
      }
    },
  );
}
