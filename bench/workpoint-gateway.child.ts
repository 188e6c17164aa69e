/**
 * The gateway in its own process for bench/workpoint.bench.ts, so gateway and simulated phones
 * each get a core. Parent -> { cmd: 'start', env } | { cmd: 'cpu' } | { cmd: 'stop' }; child -> { port, apiUrl } | { cpu } | { stopped }.
 */
import { startGateway, type RunningGateway } from '../apps/gateway/src/bootstrap';
import { WorkpointRuntime } from '../apps/gateway/src/workpoint/workpoint.module';

let gw: RunningGateway | undefined;

process.on('message', (m: any) => {
  void (async () => {
    if (m.cmd === 'start') {
      gw = await startGateway({ env: m.env, logger: false });
      process.send!({
        port: gw.app.get(WorkpointRuntime).defaultListener!.port,
        apiUrl: gw.apiUrl,
      });
    } else if (m.cmd === 'cpu') {
      process.send!({ cpu: process.cpuUsage() });
    } else if (m.cmd === 'stop') {
      await gw?.close();
      process.send!({ stopped: true }, () => process.exit(0));
    }
  })().catch((err: Error) => {
    process.send!({ error: err.message });
  });
});
