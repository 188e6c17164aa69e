import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';

/** Only what a process needs from the parent's environment; everything else is given explicitly. */
export function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS'];
  const out: Record<string, string> = {};
  for (const k of keep) if (process.env[k] !== undefined) out[k] = process.env[k]!;
  return out;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One OS process with its stdout and stderr appended to a log file (kept across restarts, so
 * one file tells a whole run). Lines are also handed to `onLine` as they arrive.
 */
export class LoggedChild {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private readonly lineListeners: Array<(line: string) => void> = [];

  constructor(
    command: string,
    args: string[],
    env: Record<string, string>,
    readonly logFile: string,
    tag: string,
  ) {
    const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
    log.write(
      `${JSON.stringify({ harness: tag, event: 'spawn', at: new Date().toISOString() })}\n`,
    );
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.on('data', (d: Buffer) => {
        log.write(d);
        rest += d.toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop()!;
        for (const line of lines) for (const l of this.lineListeners) l(line);
      });
    }
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        log.end(
          `${JSON.stringify({ harness: tag, event: 'exit', code, signal, at: new Date().toISOString() })}\n`,
        );
        done({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid!;
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /** Resolves with the first line that matches, or rejects when the process exits first. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    return new Promise((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`${what}: not within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.onLine((line) => {
        if (match(line)) {
          clearTimeout(timer);
          done(line);
        }
      });
      void this.exited.then((e) => {
        clearTimeout(timer);
        fail(
          new Error(
            `${what}: process exited first (code ${e.code}, signal ${e.signal}); see ${this.logFile}`,
          ),
        );
      });
    });
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `killAfterMs` if it is still alive). */
  async stop(signal: NodeJS.Signals = 'SIGKILL', killAfterMs = 30_000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    if (signal === 'SIGKILL') return this.exited;
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), killAfterMs);
    const e = await this.exited;
    clearTimeout(timer);
    return e;
  }
}
