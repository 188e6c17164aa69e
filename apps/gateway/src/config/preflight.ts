import { loadApiConfig } from '../api/api.config';
import { loadDmConfig } from '../dm/dm.config';
import { CatalogDirectory, readCatalogDir } from '../orchestration/catalog-files';
import { loadOrchestrationConfig } from '../orchestration/orchestration.config';
import { loadSmsConfig } from '../sms/sms.config';
import { loadWorkpointConfig } from '../workpoint/workpoint.config';
import { GatewayConfig } from './gateway.config';

/** What start-up read before building the application, handed to the modules that use it. */
export interface Preflight {
  /** CATALOG_DIR's files, read and checked (core saves them once Redis is there) */
  catalog?: CatalogDirectory;
  /**
   * names of the SMSC binds, so the API can refuse a device naming another: SMPP_BINDS at start,
   * then kept current in place by SmscBindRegistry (binds are added and removed at run time)
   */
  smsBinds: string[];
}

export const PREFLIGHT = Symbol('PREFLIGHT');

/**
 * Reads every module's configuration and the catalog files before anything connects, so a wrong
 * value stops start-up with its one-line ConfigError while no Redis connection, listener or queue
 * exists yet. The modules read their (cheap, environment-only) settings again when they are
 * built; the catalog files are read only here.
 */
export async function checkConfiguration(config: GatewayConfig): Promise<Preflight> {
  const orchestration = loadOrchestrationConfig(config.varDir);
  loadApiConfig();
  const sms = loadSmsConfig();
  loadDmConfig();
  loadWorkpointConfig(config.deviceHttpPort);
  return {
    catalog: orchestration.catalogDir ? await readCatalogDir(orchestration.catalogDir) : undefined,
    smsBinds: sms.binds.map((b) => b.id),
  };
}
