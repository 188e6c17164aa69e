import { readFileSync } from 'node:fs';
import type { GatewayProcess } from '../../support/processes';

/**
 * Starts a gateway process; if a port picked for it was taken by someone else in the meantime
 * (the harness picks free ports, then the process binds them: another test may come between),
 * picks new ports and tries again, once.
 */
export async function startGateway(g: GatewayProcess): Promise<GatewayProcess> {
  try {
    return await g.start();
  } catch (err) {
    if (!readFileSync(g.logFile, 'utf8').includes('EADDRINUSE')) throw err;
    g.apiPort = g.devicePort = g.workpointPort = 0;
    return g.start();
  }
}
