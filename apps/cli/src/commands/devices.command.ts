import { extname } from 'node:path';
import {
  call,
  CliError,
  CliOptions,
  COMMON_HELP,
  fileStream,
  flag,
  print,
  readJsonFile,
  runVerbs,
} from './rest-api';

const HELP = `usage: dm-bridge devices <list|get|create|import|update|delete|tag> …
  list [--protocol P] [--tag T] [--model M] [--limit N] [--all]
  get ID [--inventory]
  create --file device.json            (or --protocol P --msisdn … --mac … --ip … --id …)
  import FILE.csv|FILE.json [--dry-run] [--upsert]
                                       streamed; prints counts and the first errors (rows from 1);
                                       --dry-run validates only, --upsert updates existing ids
  update ID --file patch.json
  delete ID
  tag ID [--add a,b] [--remove c]
${COMMON_HELP}`;

const line = (d: any) =>
  `${d.id}\t${d.protocol}\t${d.addressing.msisdn ?? d.addressing.mac ?? d.addressing.ip ?? ''}\t${d.tags.join(',')}\t${d.lastContact ?? '-'}`;

async function list(o: CliOptions): Promise<number> {
  const q = new URLSearchParams();
  for (const k of ['protocol', 'tag', 'model', 'profile', 'limit'])
    if (flag(o, k)) q.set(k, flag(o, k)!);
  let cursor: string | undefined;
  do {
    if (cursor) q.set('cursor', cursor);
    const page = await call(o, 'GET', `/v1/devices?${q}`);
    for (const d of page.items) print(o, d, line);
    cursor = o.flags.all ? page.nextCursor : undefined;
  } while (cursor);
  return 0;
}

function deviceFromFlags(o: CliOptions): unknown {
  const file = flag(o, 'file');
  if (file) return readJsonFile(file);
  const addressing: Record<string, string> = {};
  for (const k of ['msisdn', 'mac', 'ip', 'port', 'devId', 'imsi'])
    if (flag(o, k)) addressing[k] = flag(o, k)!;
  return {
    id: flag(o, 'id'),
    protocol: flag(o, 'protocol'),
    addressing,
    profile: flag(o, 'profile'),
    model: flag(o, 'model'),
    tags: flag(o, 'tags')?.split(','),
  };
}

export function run(argv: string[]): Promise<number> {
  return runVerbs(
    argv,
    HELP,
    { name: 'devices', idName: 'a device id' },
    async ({ o, verb, arg, id }) => {
      switch (verb) {
        case 'list':
          return list(o);
        case 'get':
          print(
            o,
            await call(
              o,
              'GET',
              `/v1/devices/${id()}${o.flags.inventory ? '?include=inventory' : ''}`,
            ),
          );
          return 0;
        case 'create':
          print(o, await call(o, 'POST', '/v1/devices', deviceFromFlags(o)), line);
          return 0;
        case 'import': {
          if (!arg) throw new CliError('devices import needs a file (.csv or .json)');
          const type = extname(arg).toLowerCase() === '.csv' ? 'text/csv' : 'application/json';
          const q = new URLSearchParams();
          if (o.flags['dry-run']) q.set('dryRun', 'true');
          if (o.flags.upsert) q.set('upsert', 'true');
          const path = `/v1/devices/import${q.size ? `?${q}` : ''}`;
          const result = await call(o, 'POST', path, fileStream(arg), type);
          print(o, result, (r) =>
            [
              r.dryRun
                ? `dry run: rows ${r.rows}, valid ${r.valid}, failed ${r.failed} (nothing written)`
                : `rows ${r.rows}, created ${r.created}${r.updated !== undefined ? `, updated ${r.updated}` : ''}, failed ${r.failed}`,
              ...r.errors
                .slice(0, 20)
                .map((e: any) => `  row ${e.row}${e.id ? ` (${e.id})` : ''}: ${e.message}`),
            ].join('\n'),
          );
          return result.failed ? 1 : 0;
        }
        case 'update':
          print(
            o,
            await call(o, 'PATCH', `/v1/devices/${id()}`, readJsonFile(flag(o, 'file') ?? '')),
            line,
          );
          return 0;
        case 'delete':
          await call(o, 'DELETE', `/v1/devices/${id()}`);
          return 0;
        case 'tag':
          print(
            o,
            await call(o, 'POST', `/v1/devices/${id()}/tags`, {
              add: flag(o, 'add')?.split(',') ?? [],
              remove: flag(o, 'remove')?.split(',') ?? [],
            }),
            line,
          );
          return 0;
        default:
          return undefined;
      }
    },
  );
}
