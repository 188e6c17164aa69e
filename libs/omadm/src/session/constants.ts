/** Alert codes used by the engine (DM RepPro 1.2 §… ; shared/protocols §3.2). */
export const ALERT = {
  SERVER_INITIATED: '1200',
  CLIENT_INITIATED: '1201',
  NEXT_MESSAGE: '1222',
  SESSION_ABORT: '1223',
  CLIENT_EVENT: '1224',
  NO_END_OF_DATA: '1225',
  GENERIC: '1226',
} as const;

/** Status codes (shared/protocols §3.4). */
export const STATUS = {
  OK: 200,
  AUTH_ACCEPTED: 212,
  CHUNK_ACCEPTED: 213,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  NOT_ALLOWED: 405,
  NOT_SUPPORTED: 406,
  AUTH_REQUIRED: 407,
  TOO_LARGE: 413,
  SIZE_TOO_BIG: 416,
  SIZE_MISMATCH: 424,
  FAILED: 500,
} as const;
