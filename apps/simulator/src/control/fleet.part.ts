import { readFileSync } from 'node:fs';
import type { SimulatorPartStarter } from '../simulator.parts';
import { ControlServer } from './control-server';
import { ResilienceFleet } from './fleet';
import type { FleetSpec } from './fleet-spec';
import { fillPlaceholders, startUpUntilRegistered } from './fleet-launch';

/**
 * A fleet under test control. Env:
 *   SIM_CONTROL_PORT  port of the control channel on 127.0.0.1; unset = part off
 *   SIM_FLEET         JSON file with the devices (see fleet-spec.ts); unset = no devices;
 *                     `${NAME}` in it is replaced by the environment variable NAME
 *   SIM_FLEET_START_UP `1`: every phone sends start-up at launch, again until all are registered
 */
export const startFleetPart: SimulatorPartStarter = async (env) => {
  if (!env.SIM_CONTROL_PORT)
    return { name: 'fleet', describe: 'off (SIM_CONTROL_PORT unset)', stop: async () => undefined };
  const port = Number(env.SIM_CONTROL_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('SIM_CONTROL_PORT must be a port number');
  const spec = (
    env.SIM_FLEET ? JSON.parse(fillPlaceholders(readFileSync(env.SIM_FLEET, 'utf8'), env)) : {}
  ) as FleetSpec;
  const fleet = new ResilienceFleet(spec);
  const control = new ControlServer(fleet);
  // the control port first: the phones' contact-me listeners take ephemeral ports
  const bound = await control.start(port);
  await fleet.start();
  control.ready = true;
  const startUp = env.SIM_FLEET_START_UP === '1' ? startUpUntilRegistered(fleet) : undefined;
  return {
    name: 'fleet',
    describe: `control http://127.0.0.1:${bound}; ${spec.dm?.handsets.length ?? 0} DM, ${spec.cp?.length ?? 0} CP, ${spec.phones?.macs.length ?? 0} phones`,
    stop: async () => {
      startUp?.stop();
      await control.stop();
      await fleet.stop();
    },
  };
};
