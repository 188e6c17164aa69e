import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeFleetFiles } from '../../apps/demo/src/compose-fleet';
import {
  ApiClient,
  baseEnv,
  built,
  freePort,
  LoggedChild,
  RedisAofProcess,
  repoRoot,
  waitFor,
} from '../support/processes';
import { loadCompose, mapEnv } from './compose-env';

/**
 * `docker compose --profile simulator up` without a Docker engine: the gateway, simulator and
 * fleet-import services run as processes here with exactly the environment docker-compose.yml
 * gives them (service hosts mapped to 127.0.0.1 and free ports), then one job per protocol.
 */
const root = repoRoot();
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const services = loadCompose(composeText);

describe('docker-compose.yml', () => {
  it('publishes neither Redis nor the API beyond the host, and ships the demo fleet files', () => {
    expect(services.redis.ports).toBeUndefined();
    expect(services.gateway.ports).toContain('127.0.0.1:8080:8080');
    expect(loadCompose(composeText, { API_BIND: '0.0.0.0' }).gateway.ports).toContain(
      '0.0.0.0:8080:8080',
    );
    expect(services.simulator.profiles).toEqual(['simulator']);
    expect(services['fleet-import'].profiles).toEqual(['simulator']);
    // the committed files are the demo fleet (regenerate: node dist/apps/demo/src/compose-fleet.js)
    const files = composeFleetFiles();
    for (const name of ['fleet.json', 'devices.json'] as const)
      expect(readFileSync(join(root, 'examples/demo', name), 'utf8')).toBe(files[name]);
  });

  describe('--profile simulator, as processes', () => {
    const logDir = mkdtempSync(join(tmpdir(), 'dmb-compose-'));
    const varDir = mkdtempSync(join(tmpdir(), 'dmb-compose-var-'));
    let redis: RedisAofProcess;
    const procs: LoggedChild[] = [];
    let api: ApiClient;

    /** `./examples/demo:/demo:ro` → the container path's files here */
    const volumePath = (svc: string, path: string): string => {
      for (const v of services[svc].volumes ?? []) {
        const [src, dst] = v.split(':');
        if (path.startsWith(`${dst}/`)) return join(root, src, path.slice(dst.length));
      }
      return path;
    };

    beforeAll(async () => {
      redis = await new RedisAofProcess(logDir).start();
      const ports: Record<string, Record<number, number>> = {
        redis: { 6379: redis.port },
        gateway: { 8080: await freePort(), 8081: await freePort(), 18443: await freePort() },
        simulator: { 2775: await freePort(), 7000: await freePort() },
      };
      const gwEnv = {
        ...baseEnv(),
        ...mapEnv(services.gateway.environment!, ports),
        // what the container gets from its image and fixed ports
        HOST: '127.0.0.1',
        API_PORT: String(ports.gateway[8080]),
        DEVICE_HTTP_PORT: String(ports.gateway[8081]),
        WORKPOINT_PORT: String(ports.gateway[18443]),
        WORKPOINT_SECURE_PORT: '0',
        VAR_DIR: varDir,
      };
      procs.push(
        new LoggedChild(
          process.execPath,
          [built('apps/gateway/src/main.js')],
          gwEnv,
          join(logDir, 'gateway.log'),
          'gateway',
        ),
      );
      const apiUrl = `http://127.0.0.1:${ports.gateway[8080]}`;
      await waitFor(
        async () => (await fetch(`${apiUrl}/healthz`)).status === 200,
        'gateway up',
        60_000,
      );
      const simEnv = mapEnv(services.simulator.environment!, ports, ['SIM_FLEET_HOST'], {
        SIM_FLEET_SMSC_PORT: ['simulator', 2775],
        SIM_CONTROL_PORT: ['simulator', 7000],
      });
      simEnv.SIM_FLEET = volumePath('simulator', simEnv.SIM_FLEET);
      const [cmd, ...args] = services.simulator.command!;
      expect(cmd).toBe('node');
      procs.push(
        new LoggedChild(
          process.execPath,
          args.map((a) => join(root, a)),
          { ...baseEnv(), ...simEnv },
          join(logDir, 'simulator.log'),
          'simulator',
        ),
      );
      const importEnv = mapEnv(services['fleet-import'].environment!, ports);
      api = new ApiClient(importEnv.DMB_API_URL, importEnv.DMB_API_KEY);
      // the bind to the simulator's SMSC comes up once it listens
      await waitFor(
        async () => (await fetch(`${apiUrl}/readyz`)).status === 200,
        'bind to the simulator',
        60_000,
      );
      const [icmd, ...iargs] = services['fleet-import'].command!;
      expect(icmd).toBe('node');
      const importer = new LoggedChild(
        process.execPath,
        iargs.map((a, i) => (i === 0 ? join(root, a) : volumePath('fleet-import', a))),
        { ...baseEnv(), ...importEnv },
        join(logDir, 'fleet-import.log'),
        'fleet-import',
      );
      expect((await importer.exited).code).toBe(0);
      await waitFor(
        async () =>
          (await api.ok('GET', '/v1/devices?protocol=workpoint&limit=1000')).items.length === 50,
        'phones registered',
        60_000,
      );
    }, 180_000);

    afterAll(async () => {
      for (const p of procs.reverse()) await p.stop('SIGTERM', 10_000);
      await redis?.destroy();
      rmSync(varDir, { recursive: true, force: true });
      if (!process.env.KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
    }, 60_000);

    it('imported the fleet: 50 OMA DM, 50 OMA CP, 50 OpenStage phones', async () => {
      for (const protocol of ['omadm', 'omacp', 'workpoint'])
        expect(
          (await api.ok('GET', `/v1/devices?protocol=${protocol}&limit=1000`)).items,
        ).toHaveLength(50);
    });

    it.each([
      ['omadm', 'dm-010', [{ op: 'get', path: 'firmware.version' }], '1.0'],
      ['omacp', 'cp-010', [{ op: 'set', path: 'network.apn', value: 'compose.apn' }], undefined],
      [
        'workpoint',
        'wp-001ae8de000a',
        [{ op: 'set', path: 'sip.registrar', value: 'sip.compose.example' }],
        undefined,
      ],
    ])(
      'one %s job succeeds (%s)',
      async (_protocol, deviceId, operations, value) => {
        const job = await api.ok('POST', '/v1/jobs?wait=60', { deviceId, operations });
        expect(job.state).toBe('succeeded');
        if (value !== undefined) expect(job.results[0].value).toBe(value);
      },
      90_000,
    );
  });
});
