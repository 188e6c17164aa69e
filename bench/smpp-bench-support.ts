/** Shared pieces of bench/smpp.bench.ts: JSON-line output and the SMSC child process. */
import { fork, ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchLine {
  bench: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  [k: string]: unknown;
}

export function emit(line: BenchLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

export class SmscChild {
  private child: ChildProcess;
  private waiting: Array<(m: any) => void> = [];

  constructor() {
    this.child = fork(join(__dirname, 'smpp-smsc.child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.waiting.shift()?.(m));
  }

  request(msg: unknown): Promise<any> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(msg as any);
    });
  }

  async start(
    options: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<{ host: string; port: number }> {
    const r = await this.request({ cmd: 'start', options, ...extra });
    return r.address;
  }

  async stop(): Promise<void> {
    await this.request({ cmd: 'stop' });
  }
}
