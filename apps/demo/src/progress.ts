/**
 * Progress of the campaigns: one bar per protocol redrawn in place on a terminal, or a line per
 * protocol every `lineEveryMs` when stdout is not a TTY (CI logs).
 */
export interface ProtocolProgress {
  protocol: string;
  jobs: number;
  done: number;
  byState: Record<string, number>;
}

const WIDTH = 30;
const LABEL: Record<string, string> = {
  workpoint: 'OpenStage (Workpoint)',
  omadm: 'OMA DM handsets',
  omacp: 'OMA CP handsets',
};

export function renderLine(p: ProtocolProgress, bar: boolean): string {
  const share = p.jobs ? p.done / p.jobs : 0;
  const filled = Math.round(share * WIDTH);
  const states = Object.entries(p.byState)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const head = (LABEL[p.protocol] ?? p.protocol).padEnd(22);
  const count = `${String(p.done).padStart(3)}/${String(p.jobs).padEnd(3)}`;
  return bar
    ? `${head} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count} ${states}`
    : `${head} ${count} done; ${states}`;
}

export class ProgressView {
  private drawn = 0;
  private lastLines = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly lineEveryMs = 5000,
  ) {}

  get tty(): boolean {
    return !!this.out.isTTY;
  }

  show(all: ProtocolProgress[], final = false): void {
    if (this.tty) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      for (const p of all) this.out.write(`\x1b[2K${renderLine(p, true)}\n`);
      this.drawn = all.length;
      return;
    }
    const now = Date.now();
    if (!final && now - this.lastLines < this.lineEveryMs) return;
    this.lastLines = now;
    const at = new Date().toISOString().slice(11, 19);
    for (const p of all) this.out.write(`[${at}] ${renderLine(p, false)}\n`);
  }
}
