import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { withEnvOverrides } from './config/env';
import { GatewayConfig, loadGatewayConfig, runsApi } from './config/gateway.config';
import { checkConfiguration } from './config/preflight';
import { DeviceHttpServer } from './device-http/device-http.server';
import { HealthListener } from './health/health-listener';
import { JsonLogger } from './logging/json-logger';
import { resolveRedis } from './redis/embedded-redis';
import { externalRedis } from './redis/redis-clients';
import { redisErrors } from './redis/redis-errors';
import { redisUnreachable, RedisUnreachableError } from './redis/redis-unreachable';
import { shutdownGateway, ShutdownReport } from './shutdown';

export interface RunningGateway {
  app: INestApplication;
  config: GatewayConfig;
  /** operator API base URL, e.g. http://127.0.0.1:8080; '' in the worker role (no listener) */
  apiUrl: string;
  /** device listener base URL, e.g. http://127.0.0.1:8081; '' in the worker role */
  deviceUrl: string;
  /** the HEALTH_PORT listener's base URL, when HEALTH_PORT is set */
  healthUrl?: string;
  redisUrl: string;
  /** The SIGTERM sequence (see shutdown.ts): stop work, drain device sessions, close. */
  shutdown(): Promise<ShutdownReport>;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** values layered over process.env while the application is created (tests use ports 0) */
  env?: Record<string, string | undefined>;
  logger?: JsonLogger | false;
}

/**
 * Creates and starts the gateway: resolves Redis (configured, local, or embedded), builds the Nest
 * application and starts what the role runs: `api` the operator API and the device listeners,
 * `worker` the queue workers, SMPP binds and timers (and no listener but an optional HEALTH_PORT),
 * `all` both. Used by main.ts and by tests; signals are main.ts's business.
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  return withEnvOverrides(options.env, async () => {
    const config = loadGatewayConfig();
    redisErrors.reset();
    const preflight = await checkConfiguration(config);
    const logger =
      options.logger === false ? false : (options.logger ?? new JsonLogger(config.logLevel));
    const log = (msg: string) => (logger ? logger.log(msg, 'Redis') : undefined);
    const topology = config.redisTopology;
    const redis =
      topology.kind === 'single'
        ? await resolveRedis(config.redisUrl, config.varDir, log)
        : externalRedis(topology);
    let app: INestApplication;
    try {
      app = await NestFactory.create(AppModule.forRoot(config, preflight, redis), {
        logger: logger === false ? false : logger,
        abortOnError: false,
      });
      if (runsApi(config)) await app.listen(config.apiPort, config.host);
      else await app.init();
    } catch (err) {
      await redis.release();
      if (topology.kind === 'single' && (await redisUnreachable(redis.url)))
        throw new RedisUnreachableError(redis.url);
      throw err;
    }
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const apiPort = runsApi(config)
      ? (app.getHttpServer().address() as AddressInfo).port
      : undefined;
    const device = app.get(DeviceHttpServer);
    const healthPort = app.get(HealthListener).port;
    let shutdown: Promise<ShutdownReport> | undefined;
    const running: RunningGateway = {
      app,
      config,
      apiUrl: apiPort !== undefined ? `http://${host}:${apiPort}` : '',
      deviceUrl: device.listening ? device.publicBaseUrl() : '',
      healthUrl: healthPort !== undefined ? `http://${host}:${healthPort}` : undefined,
      redisUrl: redis.url,
      shutdown: () => (shutdown ??= shutdownGateway(app, config)),
      close: async () => {
        await running.shutdown();
      },
    };
    return running;
  });
}
