import { loadApiConfig } from '../api/api.config';
import { loadDmConfig } from '../dm/dm.config';
import { readCatalogDir } from '../orchestration/catalog-files';
import { loadOrchestrationConfig } from '../orchestration/orchestration.config';
import { loadSmsConfig } from '../sms/sms.config';
import { loadWorkpointConfig } from '../workpoint/workpoint.config';
import { GatewayConfig } from './gateway.config';

/**
 * Reads every module's configuration (and the catalog files) once before anything connects, so
 * a wrong value stops start-up with its one-line ConfigError while no Redis connection, listener
 * or queue exists yet. The modules read the same values again when they are built.
 */
export async function checkConfiguration(config: GatewayConfig): Promise<void> {
  const orchestration = loadOrchestrationConfig(config.varDir);
  loadApiConfig();
  loadSmsConfig();
  loadDmConfig();
  loadWorkpointConfig(config.deviceHttpPort);
  if (orchestration.catalogDir) await readCatalogDir(orchestration.catalogDir);
}
