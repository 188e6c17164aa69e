import { LoggerService } from '@nestjs/common';

const LEVELS = { debug: 10, verbose: 10, info: 20, log: 20, warn: 30, error: 40, fatal: 50 };
type Level = keyof typeof LEVELS;

/** Keys whose values never reach a log line (invariant 5: secrets are never logged). */
const SECRET_KEY = /pass(word)?|secret|pin|token|apikey|api_key|authorization|cred|nonce|key$/i;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? '***' : redactSecrets(v, depth + 1);
  }
  return out;
}

/**
 * Structured logs: one JSON object per line on stdout
 * (`{"time":…,"level":…,"context":…,"msg":…,…fields}`), secrets redacted by key name.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: string = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    this.threshold = LEVELS[(level as Level) in LEVELS ? (level as Level) : 'info'];
  }

  log(message: unknown, ...rest: unknown[]) {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.emit('fatal', message, rest);
  }

  private emit(level: Level, message: unknown, rest: unknown[]) {
    if (LEVELS[level] < this.threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level };
    // Nest passes the context as the last string argument, and a stack trace before it for errors.
    const args = [...rest];
    if (args.length > 0 && typeof args[args.length - 1] === 'string') entry.context = args.pop();
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, redactSecrets(message) as object);
    } else {
      entry.msg = String(message);
    }
    for (const a of args) {
      if (typeof a === 'string') entry.stack = a;
      else if (a instanceof Error) entry.stack = a.stack;
      else if (a && typeof a === 'object') Object.assign(entry, redactSecrets(a) as object);
    }
    this.write(JSON.stringify(entry) + '\n');
  }
}
