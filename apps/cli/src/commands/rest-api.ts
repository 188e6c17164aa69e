import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

/**
 * The REST client shared by `dm-bridge devices|jobs|campaigns`: options, the API call with
 * problem-details errors, and output (JSON with --json, short lines otherwise).
 */
export interface CliOptions {
  url: string;
  key?: string;
  json: boolean;
  positional: string[];
  flags: Record<string, string | true>;
}

export class CliError extends Error {}

export function parseArgs(argv: string[]): CliOptions {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (inline !== undefined) flags[name] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
      else flags[name] = true;
    } else positional.push(a);
  }
  return {
    url: String(flags.url ?? process.env.DMB_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    key: typeof flags.key === 'string' ? flags.key : process.env.DMB_API_KEY,
    json: flags.json === true,
    positional,
    flags,
  };
}

export function flag(o: CliOptions, name: string): string | undefined {
  const v = o.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export async function call(
  o: CliOptions,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  extraHeaders: Record<string, string> = {},
): Promise<any> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  let payload: any;
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (body instanceof Readable) {
    headers['content-type'] = contentType;
    payload = Readable.toWeb(body);
    init.duplex = 'half';
  } else if (body !== undefined) {
    headers['content-type'] = contentType;
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  init.body = payload;
  let res: Response;
  try {
    res = await fetch(o.url + path, init);
  } catch (err) {
    throw new CliError(`cannot reach ${o.url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const parsed = text ? safeJson(text) : undefined;
  if (res.status >= 400) {
    const p = parsed as { title?: string; detail?: string; code?: string } | undefined;
    throw new CliError(
      `${res.status} ${p?.title ?? ''}${p?.code ? ` (${p.code})` : ''}: ${p?.detail ?? text}`,
    );
  }
  return parsed;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function fileStream(path: string): Readable {
  return createReadStream(path);
}

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read JSON from ${path}: ${(err as Error).message}`);
  }
}

export function print(o: CliOptions, value: unknown, line?: (v: any) => string): void {
  if (o.json || !line) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(line(value) + '\n');
}

/** Runs a command body; prints CliError messages and returns the exit code. */
export async function guard(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`dm-bridge: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export const COMMON_HELP = `common options: --url URL (or DMB_API_URL, default http://127.0.0.1:8080), --key KEY (or DMB_API_KEY), --json`;

/** What a resource command's verb handler gets: options, the verb, and the id argument. */
export interface VerbContext {
  o: CliOptions;
  verb: string;
  /** the positional argument after the verb, raw (a file name for `devices import`) */
  arg?: string;
  /** the id argument, URL-encoded; a CliError naming the noun when it is missing */
  id(): string;
}

/**
 * The shape every REST resource command shares: `dm-bridge <noun> <verb> [id] [--flags]`,
 * help on no verb or --help, errors printed by `guard`. The handler returns an exit code, or
 * undefined for an unknown verb.
 */
export async function runVerbs(
  argv: string[],
  help: string,
  noun: { name: string; idName: string },
  handle: (ctx: VerbContext) => Promise<number | undefined>,
): Promise<number> {
  const o = parseArgs(argv);
  const [verb, arg] = o.positional;
  if (!verb || o.flags.help) {
    process.stdout.write(help + '\n');
    return verb || o.flags.help ? 0 : 2;
  }
  return guard(async () => {
    const id = () => {
      if (!arg) throw new CliError(`${noun.name} ${verb} needs ${noun.idName}`);
      return encodeURIComponent(arg);
    };
    const code = await handle({ o, verb, arg, id });
    if (code === undefined) throw new CliError(`unknown verb "${verb}"\n${help}`);
    return code;
  });
}
