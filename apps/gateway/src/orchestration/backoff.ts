/**
 * Delay before wake-up attempt `attempt + 1`: exponential from `baseMs`, capped at `maxMs`, with
 * ±`jitter` spread so a fleet woken together does not call back together; never past `untilMs`.
 */
export function nextWakeDelay(
  attempt: number,
  o: { baseMs: number; maxMs: number; jitter: number },
  msUntilDeadline: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * o.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(Math.round(exp + spread), msUntilDeadline));
}
