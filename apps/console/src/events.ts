/**
 * Server-Sent Events from GET /v1/events, read through the typed client as a stream (so the key
 * goes in a header, not in the URL). Events are handed over in batches, at most once per
 * `batchMs`, so a busy campaign does not re-render the page per event.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { Client } from './api';

export interface DmbEvent {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export function subscribe(
  client: Client,
  types: string[],
  onBatch: (events: DmbEvent[]) => void,
  batchMs = 250,
): () => void {
  const abort = new AbortController();
  let pending: DmbEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length && !abort.signal.aborted) onBatch(batch);
  };
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const { response } = await client.GET('/v1/events', {
          params: { query: { types: types.join(',') } },
          parseAs: 'stream',
          signal: abort.signal,
        });
        if (!response.ok || !response.body) return; // 401 handled by the client middleware
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (!data) continue;
            try {
              pending.push(JSON.parse(data) as DmbEvent);
            } catch {
              continue;
            }
            timer ??= setTimeout(flush, batchMs);
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1000)); // reconnect after a drop
    }
  };
  void run();
  return () => {
    abort.abort();
    if (timer) clearTimeout(timer);
  };
}

/** Subscribes while the component is mounted; the latest handler is always the one called. */
export function useEvents(client: Client, types: string[], onBatch: (e: DmbEvent[]) => void) {
  const handler = useRef(onBatch);
  handler.current = onBatch;
  const key = types.join(',');
  useEffect(() => subscribe(client, types, (b) => handler.current(b)), [client, key]);
}
