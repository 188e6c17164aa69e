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

const HELP = `usage: dm-bridge jobs <create|get|list|cancel|retry|preview> …
  create DEVICE OP… [--wait SECONDS] [--deadline SECONDS] [--idempotency-key K]
      OP is get:PATH, set:PATH=VALUE, delete:PATH, exec:PATH, reboot, factoryReset
      (PATH: a catalog name such as sip.registrar, or raw omadm:./DevDetail/SwV, workpoint:reg-addr)
  create --file job.json [--wait SECONDS]
  preview DEVICE OP… [--reveal]        what would be sent, secrets masked unless admin + --reveal
  get ID | cancel ID | retry ID
  list [--device ID] [--state S] [--campaign ID] [--limit N]
${COMMON_HELP}`;

const line = (j: any) =>
  `${j.id}\t${j.deviceId}\t${j.state}\t${j.results.map((r: any) => `${r.status}${r.value !== undefined ? `=${r.value}` : ''}`).join(' ')}`;

/** `set:sip.registrar=pbx.example.net` → { op: 'set', path, value } */
export function parseOperation(text: string): { op: string; path?: string; value?: string } {
  const m = /^([a-zA-Z]+)(?::([^=]+)(?:=(.*))?)?$/s.exec(text);
  if (!m)
    throw new CliError(
      `cannot read operation "${text}" (expected get:PATH, set:PATH=VALUE, reboot …)`,
    );
  const op: { op: string; path?: string; value?: string } = { op: m[1] };
  if (m[2] !== undefined) op.path = m[2];
  if (m[3] !== undefined) op.value = m[3];
  return op;
}

function jobBody(o: CliOptions): unknown {
  const file = flag(o, 'file');
  if (file) return readJsonFile(file);
  const [, device, ...ops] = o.positional;
  if (!device || !ops.length)
    throw new CliError('jobs create needs a device id and at least one operation');
  const body: Record<string, unknown> = { deviceId: device, operations: ops.map(parseOperation) };
  if (flag(o, 'deadline')) body.deadlineSeconds = Number(flag(o, 'deadline'));
  return body;
}

async function create(o: CliOptions, preview: boolean): Promise<number> {
  const q = new URLSearchParams();
  if (flag(o, 'wait')) q.set('wait', flag(o, 'wait')!);
  if (preview && o.flags.reveal) q.set('reveal', 'true');
  const key = flag(o, 'idempotency-key');
  const path = preview ? '/v1/jobs/preview' : '/v1/jobs';
  const job = await call(
    o,
    'POST',
    `${path}${q.size ? `?${q}` : ''}`,
    jobBody(o),
    'application/json',
    key ? { 'idempotency-key': key } : {},
  );
  print(o, job, preview ? undefined : line);
  return preview ||
    ['succeeded', 'queued', 'waking', 'awaiting-contact', 'in-session'].includes(job.state)
    ? 0
    : 1;
}

export function run(argv: string[]): Promise<number> {
  return runVerbs(argv, HELP, { name: 'jobs', idName: 'a job id' }, async ({ o, verb, id }) => {
    switch (verb) {
      case 'create':
        return create(o, false);
      case 'preview':
        return create(o, true);
      case 'get':
        print(o, await call(o, 'GET', `/v1/jobs/${id()}`));
        return 0;
      case 'cancel':
        print(o, await call(o, 'POST', `/v1/jobs/${id()}/cancel`), line);
        return 0;
      case 'retry':
        print(o, await call(o, 'POST', `/v1/jobs/${id()}/retry`), line);
        return 0;
      case 'list': {
        const q = new URLSearchParams();
        for (const [f, p] of [
          ['device', 'deviceId'],
          ['state', 'state'],
          ['campaign', 'campaignId'],
          ['limit', 'limit'],
        ])
          if (flag(o, f)) q.set(p, flag(o, f)!);
        const page = await call(o, 'GET', `/v1/jobs?${q}`);
        for (const j of page.items) print(o, j, line);
        return 0;
      }
      default:
        return undefined;
    }
  });
}
