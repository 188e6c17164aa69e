import { envInt, envString } from '../config/env';

export const API_CONFIG = Symbol('API_CONFIG');

export interface ApiConfig {
  /** An admin key the operator supplies; with it no key is generated on first start. */
  adminKey?: string;
  importMaxRows: number;
  importMaxBytes: number;
  /** characters of one import row (JSON element or CSV record) and of one CSV field */
  importMaxRowChars: number;
  importMaxFieldChars: number;
  /** Upper bound of `?wait=` on job creation. */
  maxWaitSeconds: number;
}

export function loadApiConfig(): ApiConfig {
  return {
    adminKey: envString('DMB_ADMIN_API_KEY'),
    importMaxRows: envInt('IMPORT_MAX_ROWS', 100000, { min: 1 }),
    importMaxBytes: envInt('IMPORT_MAX_BYTES', 64 << 20, { min: 1024 }),
    importMaxRowChars: envInt('IMPORT_MAX_ROW_CHARS', 65536, { min: 256 }),
    importMaxFieldChars: envInt('IMPORT_MAX_FIELD_CHARS', 4096, { min: 64 }),
    maxWaitSeconds: envInt('JOB_MAX_WAIT_S', 120, { min: 0, max: 3600 }),
  };
}
