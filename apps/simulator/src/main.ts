/**
 * The fleet simulator as a standalone process: an SMPP SMSC with simulated OMA CP / OMA DM
 * handsets, and OpenStage phones. Each part is also a class that tests start in-process.
 * Parts register themselves in simulator.parts.ts.
 */
import { startSimulatorParts } from './simulator.parts';

async function main(): Promise<void> {
  const stop = await startSimulatorParts(process.env);
  const shutdown = () => {
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: Error) => {
  process.stderr.write(`dm-bridge simulator: ${err.message}\n`);
  process.exit(1);
});
