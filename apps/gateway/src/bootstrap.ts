import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { withEnvOverrides } from './config/env';
import { GatewayConfig, loadGatewayConfig } from './config/gateway.config';
import { checkConfiguration } from './config/preflight';
import { DeviceHttpServer } from './device-http/device-http.server';
import { JsonLogger } from './logging/json-logger';
import { resolveRedis } from './redis/embedded-redis';
import { externalRedis } from './redis/redis-clients';

export interface RunningGateway {
  app: INestApplication;
  config: GatewayConfig;
  /** operator API base URL, e.g. http://127.0.0.1:8080 */
  apiUrl: string;
  /** device listener base URL, e.g. http://127.0.0.1:8081 */
  deviceUrl: string;
  redisUrl: string;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** values layered over process.env while the application is created (tests use ports 0) */
  env?: Record<string, string | undefined>;
  logger?: JsonLogger | false;
}

/**
 * Creates and starts the gateway: resolves Redis (configured, local, or embedded), builds the Nest
 * application, opens the operator API and the device listeners. Used by main.ts and by tests.
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  return withEnvOverrides(options.env, async () => {
    const config = loadGatewayConfig();
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
      app.enableShutdownHooks();
      await app.listen(config.apiPort, config.host);
    } catch (err) {
      await redis.release();
      throw err;
    }
    const apiPort = (app.getHttpServer().address() as AddressInfo).port;
    const apiHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const device = app.get(DeviceHttpServer);
    return {
      app,
      config,
      apiUrl: `http://${apiHost}:${apiPort}`,
      deviceUrl: device.publicBaseUrl(),
      redisUrl: redis.url,
      close: () => app.close(),
    };
  });
}
