/** Reasons a phone gives in ReasonForContact (DG p.28). */
export const REASONS = [
  'start-up',
  'solicited',
  'local-changes',
  'inventory-changes',
  'status',
  'reply-to',
  'clean-up',
] as const;
export type Reason = (typeof REASONS)[number];

/** Reasons that open a new interaction. */
export const OPENING_REASONS: ReadonlySet<string> = new Set([
  'start-up',
  'solicited',
  'local-changes',
  'inventory-changes',
  'status',
]);

/** Actions the provisioning service sends (DG p.30). */
export const ACTIONS = [
  'ReadAllItems',
  'ReadItems',
  'WriteItems',
  'Restart',
  'FileDeployment',
  'SoftwareDeployment',
  'CleanUp',
  'GetNextFragment',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Item status values a phone reports (DG p.26); other strings are kept as they come. */
export const ITEM_STATUSES = [
  'failed',
  'unknown item',
  'read only',
  'invalid index',
  'unexpected item',
  'not supported',
  'invalid data',
  'undefined status',
] as const;

/** One `<Item>`; `value` is the element text ('' when empty). */
export interface WorkpointItem {
  name: string;
  index?: number;
  value: string;
  status?: string;
}

/** Phone → service. */
export interface WorkpointMessage {
  nonce: string;
  /** -1 = no limit */
  maxItems: number;
  fragment: 'next' | 'final';
  /** Raw reason text; check with isReason() before trusting it. */
  reason: string;
  /** reply-to only: the Action being answered */
  action?: string;
  /** reply-to only: accepted | busy | failed | … */
  status?: string;
  items: WorkpointItem[];
}

/** Service → phone. */
export interface DlsMessage {
  nonce: string;
  action: Action;
  items: WorkpointItem[];
}

export function isReason(s: string): s is Reason {
  return (REASONS as readonly string[]).includes(s);
}

export function isAction(s: string): s is Action {
  return (ACTIONS as readonly string[]).includes(s);
}
