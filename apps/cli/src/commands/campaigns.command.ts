import {
  call,
  CliError,
  CliOptions,
  COMMON_HELP,
  flag,
  print,
  readJsonFile,
  runVerbs,
} from './rest-api';
import { parseOperation } from './jobs.command';

const HELP = `usage: dm-bridge campaigns <create|get|watch|list|pause|resume|cancel> …
  create --file campaign.json [--watch]
  create --tag T | --protocol P | --devices a,b,c  OP… [--rate N] [--stop-ratio R] [--name NAME] [--watch]
  get ID | watch ID                    watch: a progress bar until the campaign ends
  list | pause ID | resume ID | cancel ID
${COMMON_HELP}`;

const FINAL = ['completed', 'cancelled', 'stopped'];

const line = (c: any) =>
  `${c.id}\t${c.state}\t${c.progress.done}/${c.progress.jobs} done\t${c.name ?? ''}`;

/** `[##########..........]  50%  500/1000 done · succeeded 480 · failed 20 · running` */
export function progressLine(c: any, width = 30): string {
  const total = Math.max(c.progress.jobs, 1);
  const ratio = Math.min(1, c.progress.done / total);
  const filled = Math.round(ratio * width);
  const states = Object.entries(c.progress.byState as Record<string, number>)
    .filter(
      ([s, n]) =>
        n > 0 &&
        ['succeeded', 'partial', 'failed', 'expired', 'cancelled', 'unconfirmed'].includes(s),
    )
    .map(([s, n]) => `${s} ${n}`);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${c.progress.done}/${c.progress.jobs}${c.progress.fanOutComplete ? '' : '+'} done${states.length ? ' · ' + states.join(' · ') : ''} · ${c.state}`;
}

async function watch(o: CliOptions, id: string): Promise<number> {
  const tty = process.stdout.isTTY;
  const interval = Number(flag(o, 'interval') ?? 1000);
  while (true) {
    const c = await call(o, 'GET', `/v1/campaigns/${encodeURIComponent(id)}`);
    const text = progressLine(c);
    process.stdout.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
    if (FINAL.includes(c.state)) {
      if (tty) process.stdout.write('\n');
      if (c.stopReason) process.stdout.write(`stopped: ${c.stopReason}\n`);
      return c.state === 'completed' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

function campaignBody(o: CliOptions): unknown {
  const file = flag(o, 'file');
  if (file) return readJsonFile(file);
  const selection: Record<string, unknown> = {};
  if (flag(o, 'tag')) selection.tag = flag(o, 'tag');
  if (flag(o, 'protocol')) selection.protocol = flag(o, 'protocol');
  if (flag(o, 'devices')) selection.deviceIds = flag(o, 'devices')!.split(',');
  const ops = o.positional.slice(1);
  if (!ops.length) throw new CliError('campaigns create needs at least one operation (or --file)');
  const body: Record<string, unknown> = { selection, operations: ops.map(parseOperation) };
  if (flag(o, 'name')) body.name = flag(o, 'name');
  if (flag(o, 'rate')) body.ratePerSecond = Number(flag(o, 'rate'));
  if (flag(o, 'stop-ratio')) body.failureThreshold = { ratio: Number(flag(o, 'stop-ratio')) };
  return body;
}

export function run(argv: string[]): Promise<number> {
  return runVerbs(
    argv,
    HELP,
    { name: 'campaigns', idName: 'a campaign id' },
    async ({ o, verb, arg, id }) => {
      switch (verb) {
        case 'create': {
          const c = await call(o, 'POST', '/v1/campaigns', campaignBody(o));
          print(o, c, line);
          return o.flags.watch ? watch(o, c.id) : 0;
        }
        case 'get':
          print(o, await call(o, 'GET', `/v1/campaigns/${id()}`), progressLine);
          return 0;
        case 'watch':
          id();
          return watch(o, arg!);
        case 'list': {
          const page = await call(o, 'GET', '/v1/campaigns');
          for (const c of page.items) print(o, c, line);
          return 0;
        }
        case 'pause':
        case 'resume':
        case 'cancel':
          print(o, await call(o, 'POST', `/v1/campaigns/${id()}/${verb}`), line);
          return 0;
        default:
          return undefined;
      }
    },
  );
}
