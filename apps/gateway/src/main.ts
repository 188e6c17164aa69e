import { ConfigError } from './config/env';
import { startGateway, type RunningGateway } from './bootstrap';
import { RedisUnavailableError } from './redis/embedded-redis';
import { RedisUnreachableError } from './redis/redis-unreachable';
import { shutdownDeadlines } from './shutdown';

function line(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level, context: 'Gateway', msg, ...fields }) +
      '\n',
  );
}

/**
 * SIGTERM/SIGINT run the shutdown sequence; whatever happens in it, the process is gone within
 * SHUTDOWN_GRACE_MS: a timer that nothing can hold off exits at the deadline (exit code 1).
 * A second signal exits at once.
 */
function handleSignals(gw: RunningGateway): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      line('warn', `second ${signal}: exiting now`);
      process.exit(1);
    }
    stopping = true;
    const grace = gw.config.shutdownGraceMs;
    line('info', `${signal}: shutting down`, { graceMs: grace });
    setTimeout(() => {
      line('error', 'shutdown did not finish within SHUTDOWN_GRACE_MS: exiting', {
        graceMs: grace,
      });
      process.exit(1);
    }, shutdownDeadlines(grace).hardExitMs).unref();
    gw.shutdown().then(
      (report) => process.exit(report.clean ? 0 : 1),
      (err: Error) => {
        line('error', 'shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(): Promise<void> {
  try {
    const gw = await startGateway();
    handleSignals(gw);
    line('info', 'dm-bridge gateway started', {
      role: gw.config.role,
      api: gw.apiUrl || null,
      device: gw.deviceUrl || null,
      ...(gw.healthUrl ? { health: gw.healthUrl } : {}),
    });
  } catch (err) {
    // Configuration and missing-Redis errors are the operator's to fix: one line, no stack.
    if (
      err instanceof ConfigError ||
      err instanceof RedisUnavailableError ||
      err instanceof RedisUnreachableError
    ) {
      process.stderr.write(`dm-bridge: ${err.message}\n`);
    } else {
      process.stderr.write(`dm-bridge: start-up failed: ${(err as Error).stack ?? err}\n`);
    }
    process.exit(1);
  }
}

void main();
