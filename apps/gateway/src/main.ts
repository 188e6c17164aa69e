import { ConfigError } from './config/env';
import { startGateway } from './bootstrap';
import { RedisUnavailableError } from './redis/embedded-redis';

async function main(): Promise<void> {
  try {
    const gw = await startGateway();
    process.stdout.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'info',
        context: 'Gateway',
        msg: 'dm-bridge gateway started',
        role: gw.config.role,
        api: gw.apiUrl,
        device: gw.deviceUrl,
      }) + '\n',
    );
  } catch (err) {
    // Configuration and missing-Redis errors are the operator's to fix: one line, no stack.
    if (err instanceof ConfigError || err instanceof RedisUnavailableError) {
      process.stderr.write(`dm-bridge: ${err.message}\n`);
    } else {
      process.stderr.write(`dm-bridge: start-up failed: ${(err as Error).stack ?? err}\n`);
    }
    process.exit(1);
  }
}

void main();
