import { useState } from 'preact/hooks';
import { problemText } from './api';
import { isAdmin } from './session';
import { ErrorLine, Field, useApp, useLoad, when } from './ui';

interface KeyRecord {
  id: string;
  name: string;
  scope: string;
  createdAt?: string;
}

/** API keys (admin): list, create (the new key is shown once), revoke. */
export function ApiKeys() {
  const { client, session } = useApp();
  const [name, setName] = useState('');
  const [scope, setScope] = useState('read');
  const [created, setCreated] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const keys = useLoad(async () => {
    if (!isAdmin(session)) return [];
    const { data, error } = await client.GET('/v1/api-keys');
    if (error) throw new Error(problemText(error));
    return ((data as { items?: KeyRecord[] } | undefined)?.items ?? []) as KeyRecord[];
  }, []);
  if (!isAdmin(session)) return <p>API keys need an admin key.</p>;
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const { data, error } = await client.POST('/v1/api-keys', {
      body: { name, scope } as never,
    });
    if (error) return setError(problemText(error));
    setCreated((data as { key?: string } | undefined)?.key);
    keys.reload();
  };
  const revoke = async (id: string) => {
    const { error } = await client.DELETE('/v1/api-keys/{id}', { params: { path: { id } } });
    if (error) setError(problemText(error));
    keys.reload();
  };
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <form class="filters" onSubmit={create} aria-label="New API key">
        <Field label="Key name">
          <input
            name="key-name"
            required
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Key scope">
          <select
            name="key-scope"
            value={scope}
            onChange={(e) => setScope((e.target as HTMLSelectElement).value)}
          >
            {['read', 'write', 'admin'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <p class="notice" role="status">
          New key (shown once): <code>{created}</code>
        </p>
      )}
      <ErrorLine error={error ?? keys.error} />
      <table aria-label="API keys">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            <th scope="col">Created</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr>
              <td>{k.id}</td>
              <td>{k.name}</td>
              <td>{k.scope}</td>
              <td>{when(k.createdAt)}</td>
              <td>
                <button type="button" onClick={() => revoke(k.id)}>
                  Revoke key {k.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
