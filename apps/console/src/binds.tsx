import { useEffect, useState } from 'preact/hooks';
import { problemText, type components } from './api';
import { canWrite, isAdmin } from './session';
import { ErrorLine, Field, useApp, useLoad, when } from './ui';

type SmscBind = components['schemas']['SmscBind'];

/** SMSC binds with their live status (GET /v1/smsc-binds, refreshed every 2 s). */
export function Binds() {
  const { client, session } = useApp();
  const [error, setError] = useState<string | undefined>();
  const binds = useLoad(async () => {
    const { data, error } = await client.GET('/v1/smsc-binds');
    if (error) throw new Error(problemText(error));
    return data?.items ?? [];
  }, []);
  useEffect(() => {
    const t = setInterval(binds.reload, 2000);
    return () => clearInterval(t);
  }, []);
  const act = async (b: SmscBind, what: 'pause' | 'resume') => {
    setError(undefined);
    const params = { path: { id: b.id! } };
    const { error } =
      what === 'pause'
        ? await client.POST('/v1/smsc-binds/{id}/pause', { params })
        : await client.POST('/v1/smsc-binds/{id}/resume', { params });
    if (error) setError(problemText(error));
    binds.reload();
  };
  return (
    <section aria-labelledby="binds-title">
      <h1 id="binds-title">SMSC binds</h1>
      <ErrorLine error={error ?? binds.error} />
      <table aria-label="SMSC binds">
        <thead>
          <tr>
            <th scope="col">Bind</th>
            <th scope="col">SMSC</th>
            <th scope="col">State</th>
            <th scope="col">Window</th>
            <th scope="col">Rate</th>
            <th scope="col">Backlog</th>
            <th scope="col">Counters</th>
            <th scope="col">Last error</th>
            {canWrite(session) && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {(binds.data ?? []).map((b) => {
            const s = b.status ?? {};
            const c = s.counters ?? {};
            return (
              <tr data-bind={b.id} data-paused={String(!!b.paused)}>
                <td>{b.id}</td>
                <td>
                  {b.url}
                  <br />
                  <small>
                    {b.mode} · {b.origin}
                  </small>
                </td>
                <td>
                  {s.state ?? '—'}
                  {s.owner ? ` (${s.owner})` : ''}
                </td>
                <td>
                  {s.window ? `${s.window.inUse ?? 0} / ${s.window.size ?? b.window}` : b.window}
                </td>
                <td>{b.rate ? `${b.rate}/s` : 'no limit'}</td>
                <td>
                  {s.backlog
                    ? `${s.backlog.waiting ?? 0} waiting, ${s.backlog.delayed ?? 0} delayed`
                    : '—'}
                </td>
                <td>
                  {c.submitted ?? 0} sent, {c.acknowledged ?? 0} acked, {c.throttled ?? 0}{' '}
                  throttled, {(c.temporaryErrors ?? 0) + (c.permanentErrors ?? 0)} errors,{' '}
                  {c.receipts ?? 0} receipts
                </td>
                <td>{s.lastError ? `${when(s.lastError.at)}: ${s.lastError.message}` : '—'}</td>
                {canWrite(session) && (
                  <td>
                    {b.paused ? (
                      <button type="button" onClick={() => act(b, 'resume')}>
                        Resume bind {b.id}
                      </button>
                    ) : (
                      <button type="button" onClick={() => act(b, 'pause')}>
                        Pause bind {b.id}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {!binds.loading && (binds.data ?? []).length === 0 && <p>No SMSC binds.</p>}
      {isAdmin(session) && <NewBind onDone={binds.reload} />}
    </section>
  );
}

function NewBind({ onDone }: { onDone: () => void }) {
  const { client } = useApp();
  const [id, setId] = useState('');
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const { error } = await client.POST('/v1/smsc-binds', {
      body: { url, ...(id ? { id } : {}), ...(password ? { password } : {}) },
    });
    if (error) return setError(problemText(error));
    setId('');
    setUrl('');
    setPassword('');
    onDone();
  };
  return (
    <form class="panel filters" onSubmit={submit} aria-label="New SMSC bind">
      <Field label="Bind id">
        <input
          name="bind-id"
          value={id}
          onInput={(e) => setId((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field label="SMSC URL" hint="smpp://system_id@host:port?window=…&rate=…">
        <input
          name="bind-url"
          required
          value={url}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field label="Bind password">
        <input
          name="bind-password"
          type="password"
          autoComplete="off"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </Field>
      <button type="submit">Add bind</button>
      <ErrorLine error={error} />
    </form>
  );
}
