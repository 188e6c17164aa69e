/**
 * Gateway settings of the demo: production code paths with timers short enough for a run of a
 * minute or two (printed at start, so the run explains itself).
 */
export const DEMO_GATEWAY_ENV: Record<string, string> = {
  WAKE_BACKOFF_BASE_MS: '1000',
  WAKE_BACKOFF_MAX_MS: '4000',
  WAKE_JITTER: '0.2',
  OUTBOX_INTERVAL_MS: '1000',
  OUTBOX_GRACE_MS: '3000',
  SMPP_JOB_BACKOFF_MS: '200',
  CP_RECEIPT_POLL_MS: '250',
  CP_RECEIPT_WINDOW_MS: '20000',
  DM_SESSION_TIMEOUT_MS: '10000',
  DM_SWEEP_INTERVAL_MS: '1000',
  WORKPOINT_CONTACT_GAP_MS: '0',
  WORKPOINT_CONTACT_BACKOFF_MS: '1000',
  WORKPOINT_CONTACT_TIMEOUT_MS: '2000',
  WORKPOINT_BUSY_RETURN_TIMEOUT_MS: '15000',
  SHUTDOWN_GRACE_MS: '5000',
  LOG_LEVEL: 'info',
};

/** Campaign settings: the deadline bounds the run (silent devices expire at it). */
export const CAMPAIGN = { ratePerSecond: 50, deadlineSeconds: 30 };

/** SMSC bind parameters (docs/smpp.md): throughput and window of the demo bind. */
export const BIND_PARAMS = 'id=demo-smsc&rate=100&window=10';
