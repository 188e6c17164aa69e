import { useState } from 'preact/hooks';
import { probeScope } from './api';
import { saveSession, type Session } from './session';
import { ErrorLine, Field } from './ui';

/** Asks for an API key once; it is kept in sessionStorage for this tab only. */
export function Login(props: { message?: string; onLogin: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const scope = await probeScope(key.trim());
      if (scope === 'invalid') setError('This API key is not valid.');
      else {
        const s = { key: key.trim(), scope };
        saveSession(s);
        props.onLogin(s);
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>dm-bridge console</h1>
      {props.message && (
        <p class="notice" role="status">
          {props.message}
        </p>
      )}
      <form onSubmit={submit}>
        <Field label="API key" hint="Kept in this browser tab only (sessionStorage).">
          <input
            type="password"
            name="api-key"
            autoComplete="off"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
      <ErrorLine error={error} />
    </main>
  );
}
