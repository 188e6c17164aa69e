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

/** Reason phrases of SyncML status codes (RepPro 1.2 §10), for readable failures. */
const STATUS_TEXT: Record<number, string> = {
  0: 'No answer',
  200: 'OK',
  212: 'Authentication accepted',
  213: 'Chunked item accepted',
  215: 'Not executed',
  216: 'Atomic roll back OK',
  400: 'Bad request',
  401: 'Invalid credentials',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Command not allowed',
  406: 'Optional feature not supported',
  407: 'Missing credentials',
  408: 'Request timeout',
  412: 'Incomplete command',
  413: 'Request entity too large',
  414: 'URI too long',
  415: 'Unsupported media type or format',
  416: 'Requested size too big',
  418: 'Already exists',
  420: 'Device full',
  424: 'Size mismatch',
  425: 'Permission denied',
  500: 'Command failed',
  506: 'Processing error',
  507: 'Atomic failed',
  516: 'Atomic roll back failed',
};

/** `404 Not Found` (the code alone when it has no registered phrase). */
export function statusText(code: number): string {
  const text = STATUS_TEXT[code];
  return text ? `${code} ${text}` : String(code);
}
