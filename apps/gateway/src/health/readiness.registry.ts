import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  ok: boolean;
  detail?: unknown;
}

export type ReadinessCheck = () => Promise<ReadinessResult> | ReadinessResult;

/**
 * Feature modules register what /readyz reports (Redis, each SMPP bind, …).
 * A check that throws or takes longer than the timeout counts as not ready.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  /** From SIGTERM on the process reports not ready, so load balancers send new work elsewhere. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(
    timeoutMs = 1000,
  ): Promise<{ ok: boolean; checks: Record<string, ReadinessResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<ReadinessResult>((done) => {
          timer = setTimeout(() => done({ ok: false, detail: 'timeout' }), timeoutMs);
        });
        try {
          const result = await Promise.race([Promise.resolve().then(check), timeout]);
          return [name, result] as const;
        } catch (err) {
          return [name, { ok: false, detail: (err as Error).message }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks: Record<string, ReadinessResult> = Object.fromEntries(entries);
    if (this.shuttingDown) checks.shutdown = { ok: false, detail: 'shutting down' };
    return { ok: !this.shuttingDown && entries.every(([, r]) => r.ok), checks };
  }
}
