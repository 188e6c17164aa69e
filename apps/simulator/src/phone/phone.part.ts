import type { SimulatorPartStarter } from '../simulator.parts';
import { InteractionLog, OpenStagePhone } from './openstage-phone';

/**
 * Stand-alone OpenStage phones. Env:
 *   SIM_WP_GATEWAY_URL   e.g. https://127.0.0.1:18443/DeploymentService/LoginService; unset = part off
 *   SIM_WP_PHONES        how many phones (default 1); MACs 00:1A:E8:5A:xx:xx
 *   SIM_WP_CONTACT_PORT  first contact-me port (default 0 = ephemeral; real phones use 8085)
 *   SIM_WP_FRAGMENT      items per ReadAllItems fragment (default 0 = no fragmentation)
 *   SIM_WP_MAX_ITEMS     the phones' maxItems (default -1)
 * Every phone sends start-up once, then answers contact-me.
 */
export const startPhonePart: SimulatorPartStarter = async (env) => {
  const url = env.SIM_WP_GATEWAY_URL;
  if (!url)
    return {
      name: 'openstage-phones',
      describe: 'off (SIM_WP_GATEWAY_URL unset)',
      stop: async () => undefined,
    };
  const count = Number(env.SIM_WP_PHONES ?? 1);
  const firstPort = Number(env.SIM_WP_CONTACT_PORT ?? 0);
  const log = (msg: string, extra: Record<string, unknown>) =>
    process.stdout.write(
      JSON.stringify({ level: 'info', context: 'OpenStagePhone', msg, ...extra }) + '\n',
    );
  const phones: OpenStagePhone[] = [];
  for (let i = 0; i < count; i++) {
    const mac =
      `00:1A:E8:5A:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    const phone = await new OpenStagePhone({
      gatewayUrl: url,
      mac,
      contactPort: firstPort ? firstPort + i : 0,
      fragmentSize: Number(env.SIM_WP_FRAGMENT ?? 0),
      maxItems: Number(env.SIM_WP_MAX_ITEMS ?? -1),
      keepLog: false,
    }).start();
    phone.on('interaction', (l: InteractionLog) =>
      log('interaction over', {
        mac,
        reason: l.reason,
        actions: l.steps.map((s) => s.action),
        error: l.error,
      }),
    );
    phones.push(phone);
  }
  for (const p of phones) void p.startUp();
  return {
    name: 'openstage-phones',
    describe: `${count} phones -> ${url}`,
    stop: async () => {
      await Promise.all(phones.map((p) => p.stop()));
    },
  };
};
