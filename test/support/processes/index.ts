/**
 * Separate OS processes for resilience tests and benchmarks: the built gateway, the built
 * simulator with its control channel, a private Redis with AOF and a TCP balancer in front of
 * gateways. Each can be killed with a chosen signal and started again.
 */
export { ApiClient, type ApiResponse } from './api-client';
export { baseEnv, LoggedChild, type ExitInfo } from './child';
export {
  GatewayProcess,
  newDeployment,
  type Deployment,
  type GatewayProcessOptions,
  type GatewayRole,
} from './gateway-process';
export { built, repoRoot } from './paths';
export { RedisAofProcess } from './redis-aof';
export { SimulatorProcess } from './simulator-process';
export { TcpBalancer } from './tcp-balancer';
export { freePort, waitFor } from '../redis-processes';
export { freeListenPort } from './ports';
