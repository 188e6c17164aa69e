import { useState } from 'preact/hooks';
import { problemText } from './api';
import { isAdmin } from './session';
import { ErrorLine, Field, Json, useApp, useLoad, when } from './ui';

const EVENT_TYPES = [
  'job.state',
  'device.contact',
  'device.alert',
  'sms.receipt',
  'campaign.state',
];

interface Webhook {
  id: string;
  url: string;
  events?: string[];
  createdAt?: string;
}
interface DeadLetter {
  id: string;
  webhookId?: string;
  event?: { type?: string; at?: string };
  error?: string;
  failedAt?: string;
  [k: string]: unknown;
}

/** Webhooks (admin): subscribe, unsubscribe; dead letters with replay. */
export function Webhooks() {
  const { client, session } = useApp();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  const hooks = useLoad(async () => {
    const { data, error } = await client.GET('/v1/webhooks');
    if (error) throw new Error(problemText(error));
    return ((data as { items?: Webhook[] } | undefined)?.items ?? []) as Webhook[];
  }, []);
  const dead = useLoad(async () => {
    const { data, error } = await client.GET('/v1/webhook-dead-letters');
    if (error) throw new Error(problemText(error));
    return ((data as { items?: DeadLetter[] } | undefined)?.items ?? []) as DeadLetter[];
  }, []);
  if (!isAdmin(session)) return <p>Webhooks need an admin key.</p>;
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const { error } = await client.POST('/v1/webhooks', {
      body: { url, secret, ...(events.size ? { events: [...events] } : {}) } as never,
    });
    if (error) return setError(problemText(error));
    setUrl('');
    setSecret('');
    setEvents(new Set());
    hooks.reload();
  };
  const remove = async (id: string) => {
    const { error } = await client.DELETE('/v1/webhooks/{id}', { params: { path: { id } } });
    if (error) setError(problemText(error));
    hooks.reload();
  };
  const replay = async (id: string) => {
    const { error } = await client.POST('/v1/webhook-dead-letters/{id}/replay', {
      params: { path: { id } },
    });
    if (error) setError(problemText(error));
    dead.reload();
  };
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <form class="panel" onSubmit={create} aria-label="New webhook">
        <Field label="Webhook URL">
          <input
            name="hook-url"
            type="url"
            required
            value={url}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Signing secret" hint="at least 16 characters; never shown again">
          <input
            name="hook-secret"
            type="password"
            autoComplete="off"
            required
            minLength={16}
            value={secret}
            onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
          />
        </Field>
        <fieldset>
          <legend>Events (none: all)</legend>
          {EVENT_TYPES.map((t) => (
            <label class="check">
              <input
                type="checkbox"
                checked={events.has(t)}
                onChange={() => {
                  const next = new Set(events);
                  if (next.has(t)) next.delete(t);
                  else next.add(t);
                  setEvents(next);
                }}
              />
              {t}
            </label>
          ))}
        </fieldset>
        <button type="submit">Subscribe</button>
      </form>
      <ErrorLine error={error ?? hooks.error} />
      <table aria-label="Webhooks">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Created</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {(hooks.data ?? []).map((h) => (
            <tr data-webhook={h.id}>
              <td>{h.id}</td>
              <td>{h.url}</td>
              <td>{h.events?.length ? h.events.join(', ') : 'all'}</td>
              <td>{when(h.createdAt)}</td>
              <td>
                <button type="button" onClick={() => remove(h.id)}>
                  Unsubscribe {h.url}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Dead letters</h2>
      <ErrorLine error={dead.error} />
      {(dead.data ?? []).length === 0 && <p>No failed deliveries.</p>}
      <ul aria-label="Dead letters">
        {(dead.data ?? []).map((d) => (
          <li data-dead-letter={d.id}>
            <details>
              <summary>
                {d.id} · {d.event?.type ?? 'event'} to {d.webhookId ?? '?'}
              </summary>
              <Json value={d} label={`Dead letter ${d.id}`} />
            </details>
            <button type="button" onClick={() => replay(d.id)}>
              Replay {d.id}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" onClick={dead.reload}>
        Refresh dead letters
      </button>
    </section>
  );
}
