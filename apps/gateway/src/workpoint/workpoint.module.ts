import {
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { readFileSync } from 'node:fs';
import { GATEWAY_CONFIG, GatewayConfig, runsApi, runsWorker } from '../config/gateway.config';
import { DeviceHttpServer } from '../device-http/device-http.server';
import { BULLMQ_CONNECTION, BULLMQ_PREFIX, REDIS } from '../redis/redis.module';
import { ContactMeService } from './contact-me.service';
import { DCMP_PATH, handleDcmpPoll } from './dcmp.endpoint';
import { PhoneStateStore } from './phone-state.store';
import type { Core } from '@dm-bridge/core';
import { CORE } from '../orchestration/orchestration.tokens';
import { CoreWorkpointJobSource } from '../orchestration/sources/core-workpoint-job-source';
import { ensureServerCertificate } from './tls-material';
import { RegistrationGuard } from './registration-guard';
import { WORKPOINT_CONFIG, WorkpointConfig, loadWorkpointConfig } from './workpoint.config';
import { WorkpointListener } from './workpoint-https.server';
import { WorkpointInteractionService } from './workpoint-interaction.service';
import { MetricsRegistry } from '../orchestration/metrics.registry';
import { WORKPOINT_JOB_SOURCE, WorkpointJobSource } from './workpoint-job-source';
import { closeRedis } from '../redis/redis-clients';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from '../orchestration/orchestration.config';

/** TLS 1.2 suites with ephemeral key exchange (TLS 1.3's suites are all forward-secret). */
export const FORWARD_SECRET_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
].join(':');

/** The Workpoint hot path's own connection: auto-pipelining merges concurrent phones' commands. */
const WP_REDIS = Symbol('WP_REDIS');

/** Owns the phone listeners and the contact-me worker; exposes the listeners' ports. */
export class WorkpointRuntime
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Workpoint');
  defaultListener?: WorkpointListener;
  secureListener?: WorkpointListener;

  constructor(
    @Inject(WORKPOINT_CONFIG) private readonly config: WorkpointConfig,
    @Inject(GATEWAY_CONFIG) private readonly gateway: GatewayConfig,
    @Inject(WorkpointInteractionService) private readonly interactions: WorkpointInteractionService,
    @Inject(ContactMeService) readonly contactMe: ContactMeService,
    @Inject(DeviceHttpServer) private readonly http: DeviceHttpServer,
    @Inject(WORKPOINT_JOB_SOURCE) private readonly source: WorkpointJobSource,
    @Inject(WP_REDIS) private readonly redis: Redis,
    @Inject(PhoneStateStore) private readonly store: PhoneStateStore,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {}

  onModuleInit(): void {
    if (!this.config.enabled) return;
    this.interactions.onInteraction = (outcome) =>
      this.metrics.inc('dmb_workpoint_interactions_total', { outcome });
    this.http.register({
      method: 'GET',
      path: DCMP_PATH,
      handler: (req, res) => handleDcmpPoll(this.source, this.store, req, res),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.enabled) return;
    if (runsWorker(this.gateway)) this.contactMe.startWorker();
    if (!runsApi(this.gateway)) return;
    const c = this.config;
    const pair = await ensureServerCertificate({
      certFile: c.certFile,
      keyFile: c.keyFile,
      varDir: this.gateway.varDir,
    });
    const tls = {
      minVersion: c.tlsMinVersion,
      // forward-secret suites only unless configured otherwise (legacy phones: docs/workpoint.md)
      ciphers: c.tlsCiphers ?? FORWARD_SECRET_CIPHERS,
    };
    const log = {
      warn: (m: Record<string, unknown>) => this.logger.warn(m),
      error: (m: Record<string, unknown>) => this.logger.error(m),
    };
    this.defaultListener = new WorkpointListener(
      {
        host: this.gateway.host,
        port: c.port,
        tls: { ...tls, cert: pair.cert, key: pair.key },
        secure: false,
        keepAliveMs: c.keepAliveMs,
        maxBody: c.maxBody,
        paths: c.paths,
        activity: this.http.activity,
      },
      this.interactions,
      log,
    );
    await this.defaultListener.start();
    if (c.secureClientCaFile) {
      const secureCert = c.secureCertFile ? readFileSync(c.secureCertFile) : pair.cert;
      this.secureListener = new WorkpointListener(
        {
          host: this.gateway.host,
          port: c.securePort,
          tls: {
            ...tls,
            cert: secureCert,
            key: c.secureKeyFile ? readFileSync(c.secureKeyFile) : pair.key,
            ca: readFileSync(c.secureClientCaFile),
          },
          secure: true,
          keepAliveMs: c.keepAliveMs,
          maxBody: c.maxBody,
          paths: c.paths,
          activity: this.http.activity,
        },
        this.interactions,
        log,
      );
      await this.secureListener.start();
      if (this.source instanceof CoreWorkpointJobSource) {
        // what a secureBootstrap job installs unless it names its own: trust in the certificate
        // (chain) this listener presents, and its port
        this.source.secureListener.serverCa = secureCert
          .toString('utf8')
          .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)
          ?.map((pem) => pem.trim() + '\n');
        this.source.secureListener.securePort = this.secureListener.port;
      }
    }
    this.logger.log({
      msg: 'workpoint listeners up',
      port: this.defaultListener.port,
      securePort: this.secureListener?.port,
    });
  }

  /** Shutdown's first step: no contact-me request (a Workpoint wake-up) goes out any more. */
  async stopWork(): Promise<void> {
    await this.contactMe.stopWorker();
  }

  /** Stops accepting; requests still running are cut after `cutAfterMs`. */
  async stopListeners(cutAfterMs = 2000): Promise<void> {
    await Promise.all([
      this.defaultListener?.stop(cutAfterMs),
      this.secureListener?.stop(cutAfterMs),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopListeners();
    await this.contactMe.close();
    await closeRedis(this.redis);
  }
}

@Module({
  providers: [
    {
      provide: WORKPOINT_CONFIG,
      useFactory: (g: GatewayConfig) => loadWorkpointConfig(g.deviceHttpPort),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: WP_REDIS,
      useFactory: (redis: Redis) => redis.duplicate({ enableAutoPipelining: true }),
      inject: [REDIS],
    },
    {
      // a phone's keys live in its MAC's shard (core's shards: the same prefixes and count)
      provide: PhoneStateStore,
      useFactory: (redis: Redis, core: Core, config: WorkpointConfig) =>
        new PhoneStateStore(redis, core.shards, {
          registeredMs: config.stateTtlMs,
          unregisteredMs: config.unregisteredStateTtlMs,
        }),
      inject: [WP_REDIS, CORE, WORKPOINT_CONFIG],
    },
    {
      provide: WORKPOINT_JOB_SOURCE,
      useFactory: (core: Core, orchestration: OrchestrationConfig) =>
        new CoreWorkpointJobSource(core, orchestration.sessionLockTtlMs),
      inject: [CORE, ORCHESTRATION_CONFIG],
    },
    {
      provide: ContactMeService,
      useFactory: (
        config: WorkpointConfig,
        redis: Redis,
        core: Core,
        connection: ConnectionOptions,
        bullPrefix: string,
        store: PhoneStateStore,
        source: WorkpointJobSource,
      ) => {
        const logger = new Logger('WorkpointContactMe');
        return new ContactMeService(
          config,
          redis,
          core.shards,
          connection,
          bullPrefix,
          store,
          source,
          {
            log: (m) => logger.log(m),
            warn: (m) => logger.warn(m),
          },
        );
      },
      inject: [
        WORKPOINT_CONFIG,
        WP_REDIS,
        CORE,
        BULLMQ_CONNECTION,
        BULLMQ_PREFIX,
        PhoneStateStore,
        WORKPOINT_JOB_SOURCE,
      ],
    },
    {
      provide: WorkpointInteractionService,
      useFactory: (
        config: WorkpointConfig,
        store: PhoneStateStore,
        source: WorkpointJobSource,
        timers: ContactMeService,
        orchestration: OrchestrationConfig,
        redis: Redis,
        core: Core,
      ) => {
        const logger = new Logger('WorkpointInteraction');
        return new WorkpointInteractionService(
          config,
          store,
          source,
          timers,
          { warn: (m) => logger.warn(m) },
          {
            sessionMs: orchestration.sessionLockTtlMs,
            // outlast the timers that act when the phone does not come back
            solicitedReturnMs: config.busyReturnTimeoutMs + orchestration.sessionLockTtlMs,
            deferredMs: config.deferredTimeoutMs + orchestration.sessionLockTtlMs,
          },
          new RegistrationGuard(redis, core.shards, config.registrationLimits),
        );
      },
      inject: [
        WORKPOINT_CONFIG,
        PhoneStateStore,
        WORKPOINT_JOB_SOURCE,
        ContactMeService,
        ORCHESTRATION_CONFIG,
        WP_REDIS,
        CORE,
      ],
    },
    WorkpointRuntime,
  ],
  exports: [
    WORKPOINT_JOB_SOURCE,
    ContactMeService,
    WorkpointRuntime,
    PhoneStateStore,
    WORKPOINT_CONFIG,
  ],
})
export class WorkpointModule {}
