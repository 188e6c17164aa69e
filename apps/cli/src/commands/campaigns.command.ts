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
  get ID | watch ID [--interval MS]    watch: progress until the campaign ends, with the reason of
                                       each failed job; off a terminal, a summary when it changed
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

/** Why a failed job failed, in one line. */
function failureReason(j: any): string {
  const failed = (j.results ?? []).find((r: any) => r.status === 'failed');
  return failed?.message ?? j.lastError?.message ?? j.faults?.[0]?.message ?? j.state;
}

/**
 * On a terminal: a progress bar redrawn every --interval (1 s). Elsewhere (logs, CI): a summary
 * line when progress changed, at most every --interval (10 s). Both print each newly failed job
 * with its reason (up to 20 per poll).
 */
async function watch(o: CliOptions, id: string): Promise<number> {
  const tty = process.stdout.isTTY;
  const interval = Number(flag(o, 'interval') ?? (tty ? 1000 : 10000));
  const reported = new Set<string>();
  let lastText = '';
  while (true) {
    const c = await call(o, 'GET', `/v1/campaigns/${encodeURIComponent(id)}`);
    if ((c.progress?.byState?.failed ?? 0) > reported.size) {
      const q = new URLSearchParams({ campaignId: c.id, state: 'failed', limit: '20' });
      const page = await call(o, 'GET', `/v1/jobs?${q}`);
      for (const j of page.items) {
        if (reported.has(j.id)) continue;
        reported.add(j.id);
        process.stdout.write(
          `${tty ? '\r\x1b[K' : ''}failed ${j.id} (${j.deviceId}): ${failureReason(j)}\n`,
        );
      }
    }
    const text = progressLine(c);
    if (tty) process.stdout.write(`\r${text}\x1b[K`);
    else if (text !== lastText || FINAL.includes(c.state)) process.stdout.write(`${text}\n`);
    lastText = text;
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
