/** Small shared pieces: the session context, async loading, labelled fields, formatting. */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { Client } from './api';
import type { Session } from './session';

export interface Ctx {
  client: Client;
  session: Session;
}
export const AppContext = createContext<Ctx>(undefined as unknown as Ctx);
export const useApp = () => useContext(AppContext);

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (err: unknown) =>
        live &&
        setState({ error: err instanceof Error ? err.message : String(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label>
        <span>{props.label}</span>
        {props.children}
      </label>
      {props.hint && <small>{props.hint}</small>}
    </div>
  );
}

export function ErrorLine({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function when(iso?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function StateBadge({ state }: { state?: string }) {
  return <span class={`state state-${state ?? 'unknown'}`}>{state ?? '—'}</span>;
}

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre class="json" aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function go(hash: string): void {
  location.hash = hash;
}

/**
 * Cursor pages: the stack of cursors that led to this page (the first page's is undefined), so
 * "Previous" needs no cursor of its own from the API.
 */
export function Pager(props: {
  cursors: (string | undefined)[];
  setCursors: (c: (string | undefined)[]) => void;
  nextCursor?: string;
  reload: () => void;
}) {
  const { cursors, setCursors, nextCursor } = props;
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        disabled={cursors.length < 2}
        onClick={() => setCursors(cursors.slice(0, -1))}
      >
        Previous page
      </button>
      <span>Page {cursors.length}</span>
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => setCursors([...cursors, nextCursor])}
      >
        Next page
      </button>
      <button type="button" onClick={props.reload}>
        Refresh
      </button>
    </nav>
  );
}
