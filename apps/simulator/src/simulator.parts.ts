/**
 * Each simulated part (SMSC + handsets, OpenStage phones, …) adds a starter here; the standalone
 * simulator starts them all and stops them on SIGTERM.
 */
import { startSmscPart } from './smsc/smsc.part';
import { startPhonePart } from './phone/phone.part';
import { startDmHandsetPart } from './dm-handset/dm-handset.part';
import { startFleetPart } from './control/fleet.part';

export type SimulatorPartStarter = (
  env: NodeJS.ProcessEnv,
) => Promise<{ name: string; describe: string; stop(): Promise<void> }>;

export const SIMULATOR_PARTS: SimulatorPartStarter[] = [
  startSmscPart,
  startPhonePart,
  startDmHandsetPart,
  startFleetPart,
];

export async function startSimulatorParts(env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const running: Array<{ name: string; stop(): Promise<void> }> = [];
  for (const start of SIMULATOR_PARTS) {
    const part = await start(env);
    process.stdout.write(
      JSON.stringify({
        level: 'info',
        context: 'Simulator',
        msg: `${part.name} up`,
        at: part.describe,
      }) + '\n',
    );
    running.push(part);
  }
  if (running.length === 0)
    process.stdout.write('{"level":"warn","msg":"no simulator parts registered yet"}\n');
  return async () => {
    for (const part of running.reverse()) await part.stop();
  };
}
