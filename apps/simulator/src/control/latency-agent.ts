import { Agent as HttpAgent, AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';

/** A latency every new connection waits before it opens (one connection per message). */
export class Latency {
  ms = 0;
}

type CreateConnection = (options: object, cb: (err: Error | null, s?: Duplex) => void) => Duplex;

function delayed(agent: HttpAgent, latency: Latency): void {
  const original = agent.createConnection.bind(agent) as unknown as CreateConnection;
  // Node's Agent accepts a connection handed to the callback later: the request waits for it
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, cb) => {
    if (latency.ms <= 0) return original(options, cb);
    setTimeout(() => {
      try {
        cb(
          null,
          original(options, () => undefined),
        );
      } catch (err) {
        cb(err as Error);
      }
    }, latency.ms);
    return undefined as unknown as Duplex;
  };
}

/** An HTTP agent without keep-alive whose every message waits `latency.ms` before it leaves. */
export function latencyHttpAgent(latency: Latency, options: AgentOptions = {}): HttpAgent {
  const agent = new HttpAgent({ keepAlive: false, maxSockets: 256, ...options });
  delayed(agent, latency);
  return agent;
}

/** The same for HTTPS (the simulated phones accept any certificate, as the real ones do). */
export function latencyHttpsAgent(latency: Latency): HttpsAgent {
  const agent = new HttpsAgent({ keepAlive: false, maxSockets: 256, rejectUnauthorized: false });
  delayed(agent as unknown as HttpAgent, latency);
  return agent;
}
