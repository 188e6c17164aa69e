import type { ResilienceFleet } from './fleet';

/** `${NAME}` in a fleet file becomes the environment variable NAME; an unset one is an error. */
export function fillPlaceholders(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`SIM_FLEET uses \${${name}}, which is unset`);
    return v;
  });
}

/**
 * Phones send start-up at launch and again every few seconds until all of them got through (the
 * gateway may come up after the simulator, as under compose).
 */
export function startUpUntilRegistered(fleet: ResilienceFleet, everyMs = 3000): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async () => {
    const r = await fleet.phonesStartUp().catch(() => ({ failed: 1 }));
    if (r.failed > 0 && !stopped) timer = setTimeout(() => void attempt(), everyMs);
  };
  void attempt();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
