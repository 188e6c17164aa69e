import { readFileSync } from 'node:fs';
import type { SimulatorPartStarter } from '../simulator.parts';
import { registerDmClient, unregisterDmClient } from './dm-client-registry';
import { DmHandset, type DmHandsetOptions } from './dm-handset';

type HandsetSpec = Omit<DmHandsetOptions, 'serverUrl' | 'agent'> & {
  serverUrl?: string;
  /** the number its SMS side answers to (a `{type:"dm"}` entry of SIM_HANDSETS) */
  msisdn?: string;
};

/**
 * Stand-alone OMA DM handsets. Env:
 *   SIM_DM_SERVER_URL   the gateway's DM URL (e.g. http://127.0.0.1:8081/dm); unset = part off
 *   SIM_DM_HANDSETS     JSON file: [{devId, serverId, serverPassword, clientName, clientPassword,
 *                       clientAuth?, serverAuth?, encoding?, msisdn?, nonces?: {server?, client?}}]
 *                       With `msisdn`, the SMSC part's `{type:"dm"}` handset of that number hands
 *                       each verified package #0 to this client (server-initiated session).
 *   SIM_DM_INTERVAL_MS  each handset opens a client-initiated session this often (default 0: once)
 *   SIM_DM_CONTACT_AT_START  `false`: no client-initiated session at start (default true)
 * See docs/omadm.md, "Stand-alone simulator".
 */
export const startDmHandsetPart: SimulatorPartStarter = async (env) => {
  const url = env.SIM_DM_SERVER_URL;
  if (!url || !env.SIM_DM_HANDSETS)
    return {
      name: 'dm-handsets',
      describe: 'off (SIM_DM_SERVER_URL/SIM_DM_HANDSETS unset)',
      stop: async () => undefined,
    };
  const specs = JSON.parse(readFileSync(env.SIM_DM_HANDSETS, 'utf8')) as HandsetSpec[];
  const handsets = specs.map((s) => {
    const { msisdn, ...options } = s;
    const h = new DmHandset({ ...options, serverUrl: s.serverUrl ?? url });
    if (msisdn) registerDmClient(msisdn, h);
    return h;
  });
  const interval = Number(env.SIM_DM_INTERVAL_MS ?? 0);
  const log = (msg: string, extra: Record<string, unknown>) =>
    process.stdout.write(
      JSON.stringify({ level: 'info', context: 'DmHandset', msg, ...extra }) + '\n',
    );
  const runAll = () =>
    Promise.all(
      handsets.map((h) =>
        h.runSession().then(
          (s) =>
            log('DM session over', {
              devId: h.options.devId,
              ended: s.ended,
              messages: s.messages,
            }),
          (err: Error) => log('DM session failed', { devId: h.options.devId, error: err.message }),
        ),
      ),
    );
  if (env.SIM_DM_CONTACT_AT_START !== 'false') void runAll();
  const timer = interval > 0 ? setInterval(() => void runAll(), interval) : undefined;
  return {
    name: 'dm-handsets',
    describe: `${handsets.length} handsets -> ${url}`,
    stop: async () => {
      if (timer) clearInterval(timer);
      for (const s of specs) if (s.msisdn) unregisterDmClient(s.msisdn);
    },
  };
};
