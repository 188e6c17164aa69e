/**
 * The demo fleet as files for `docker compose --profile simulator up` (examples/demo/):
 * `fleet.json` for the simulator (SIM_FLEET, with `${…}` placeholders its environment fills) and
 * `devices.json` for the gateway's import. `node dist/apps/demo/src/compose-fleet.js DIR` writes
 * them; test/demo/compose.e2e.ts checks the committed files are what this produces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceRecords, planDemoFleet, simulatorFleet } from './demo-fleet';

export const COMPOSE_PLACEHOLDERS = {
  dmServerUrl: '${SIM_FLEET_DM_URL}',
  workpointUrl: '${SIM_FLEET_WP_URL}',
  contactHost: '${SIM_FLEET_HOST}',
  smscPort: '${SIM_FLEET_SMSC_PORT}',
};

export function composeFleetFiles(): { 'fleet.json': string; 'devices.json': string } {
  const fleet = planDemoFleet();
  const spec = simulatorFleet(fleet, {
    smscPort: -1,
    dmServerUrl: COMPOSE_PLACEHOLDERS.dmServerUrl,
    workpointUrl: COMPOSE_PLACEHOLDERS.workpointUrl,
  });
  (spec.smsc as Record<string, unknown>).host = '0.0.0.0';
  (spec.phones as Record<string, unknown>).contactHost = COMPOSE_PLACEHOLDERS.contactHost;
  // the port is a number once filled in: the placeholder stands unquoted
  const fleetText = JSON.stringify(spec, null, 1).replace(
    '"port": -1',
    `"port": ${COMPOSE_PLACEHOLDERS.smscPort}`,
  );
  return {
    'fleet.json': `${fleetText}\n`,
    'devices.json': `${JSON.stringify(deviceRecords(fleet), null, 1)}\n`,
  };
}

if (require.main === module) {
  const dir = process.argv[2] ?? 'examples/demo';
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(composeFleetFiles()))
    writeFileSync(join(dir, name), text);
  process.stdout.write(`wrote ${dir}/fleet.json and ${dir}/devices.json\n`);
}
