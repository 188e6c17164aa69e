import { useState } from 'preact/hooks';
import { problemText, type Device } from './api';
import { DeviceImport } from './import';
import { canWrite } from './session';
import { ErrorLine, Field, go, useApp, useLoad, when, Pager } from './ui';

const PROTOCOLS = ['workpoint', 'omadm', 'omacp'];

interface Filters {
  protocol: string;
  tag: string;
  profile: string;
  model: string;
  limit: string;
}

function address(d: Device): string {
  const a = d.addressing ?? {};
  return [a.msisdn, a.mac, a.devId, a.ip && `${a.ip}${a.port ? `:${a.port}` : ''}`]
    .filter(Boolean)
    .join(' · ');
}

/** Does the device carry this MSISDN, MAC or DevId (forgiving case and separators)? */
function matches(d: Device, q: string): boolean {
  const norm = (s?: string) => (s ?? '').toLowerCase().replace(/[\s:.-]/g, '');
  const n = norm(q);
  const a = d.addressing ?? {};
  return [d.id, a.msisdn, a.mac, a.devId].some((v) => v && norm(v).includes(n));
}

/**
 * The fleet: one page of GET /v1/devices at a time (cursor paging, so page 1,000 costs what
 * page 1 does), filtered by the API on protocol, tag, profile and model.
 */
export function Fleet({ params }: { params: URLSearchParams }) {
  const { client, session } = useApp();
  const initial: Filters = {
    protocol: params.get('protocol') ?? '',
    tag: params.get('tag') ?? '',
    profile: params.get('profile') ?? '',
    model: params.get('model') ?? '',
    limit: params.get('limit') ?? '50',
  };
  const [form, setForm] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters>(initial);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [olderThanHours, setOlderThan] = useState('');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<{ q: string; device?: Device } | undefined>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const writer = canWrite(session);
  const cursor = cursors[cursors.length - 1];

  const page = useLoad(async () => {
    const q = Object.fromEntries(
      Object.entries({ ...applied, cursor }).filter(([, v]) => v !== '' && v !== undefined),
    );
    const { data, error } = await client.GET('/v1/devices', {
      params: { query: { ...q, limit: Number(applied.limit) } },
    });
    if (error) throw new Error(problemText(error));
    return data;
  }, [applied, cursor]);

  const set = (k: keyof Filters) => (e: Event) =>
    setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  const apply = (e: Event) => {
    e.preventDefault();
    setApplied(form);
    setCursors([undefined]);
  };

  const runSearch = async (e: Event) => {
    e.preventDefault();
    const q = search.trim();
    if (!q) return setFound(undefined);
    const { data } = await client.GET('/v1/devices/{id}', { params: { path: { id: q } } });
    setFound({ q, device: data });
  };

  let rows = page.data?.items ?? [];
  if (found?.device) rows = [found.device];
  else if (found) rows = rows.filter((d) => matches(d, found.q));
  const hours = Number(olderThanHours);
  if (olderThanHours && hours >= 0) {
    const limit = Date.now() - hours * 3600_000;
    rows = rows.filter((d) => !d.lastContact || Date.parse(d.lastContact) < limit);
  }
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allOnPage = rows.length > 0 && rows.every((d) => selected.has(d.id ?? ''));
  const selection = new URLSearchParams(
    Object.entries(applied).filter(([k, v]) => v && k !== 'limit'),
  );

  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <form class="filters" onSubmit={apply} aria-label="Device filters">
        <Field label="Protocol">
          <select name="protocol" value={form.protocol} onChange={set('protocol')}>
            <option value="">any</option>
            {PROTOCOLS.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Field label="Tag">
          <input name="tag" value={form.tag} onInput={set('tag')} />
        </Field>
        <Field label="Profile">
          <input name="profile" value={form.profile} onInput={set('profile')} />
        </Field>
        <Field label="Model">
          <input name="model" value={form.model} onInput={set('model')} />
        </Field>
        <Field label="Page size">
          <select name="limit" value={form.limit} onChange={set('limit')}>
            {['25', '50', '100', '500'].map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <div class="filters">
        <Field label="Last contact older than (hours)" hint="applied to the page shown">
          <input
            name="olderThan"
            type="number"
            min="0"
            value={olderThanHours}
            onInput={(e) => setOlderThan((e.target as HTMLInputElement).value)}
          />
        </Field>
        <form onSubmit={runSearch} role="search" aria-label="Find a device">
          <Field
            label="Find by id, MSISDN, MAC or DevId"
            hint="an id is looked up; addresses are matched on the page shown"
          >
            <input
              name="search"
              type="search"
              value={search}
              onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
            />
          </Field>
          <button type="submit">Find</button>
          {found && (
            <button
              type="button"
              onClick={() => {
                setSearch('');
                setFound(undefined);
              }}
            >
              Clear search
            </button>
          )}
        </form>
      </div>
      {writer && (
        <p>
          <a class="button" href={`#/campaigns?new=1&${selection.toString()}`}>
            New campaign on these filters
          </a>
          {selected.size > 0 && (
            <a
              class="button"
              href={`#/campaigns?new=1&deviceIds=${encodeURIComponent([...selected].join(','))}`}
            >
              New campaign on the {selected.size} selected
            </a>
          )}
        </p>
      )}
      {writer && <DeviceImport onDone={page.reload} />}
      {writer && (
        <BulkTags
          ids={[...selected]}
          onDone={() => {
            setSelected(new Set());
            page.reload();
          }}
        />
      )}
      <ErrorLine error={page.error} />
      <table aria-label="Devices" aria-busy={page.loading}>
        <thead>
          <tr>
            {writer && (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all devices on this page"
                  checked={allOnPage}
                  onChange={() =>
                    setSelected(
                      allOnPage
                        ? new Set()
                        : new Set([...selected, ...rows.map((d) => d.id ?? '')]),
                    )
                  }
                />
              </th>
            )}
            <th scope="col">Id</th>
            <th scope="col">Protocol</th>
            <th scope="col">Model</th>
            <th scope="col">Profile</th>
            <th scope="col">Tags</th>
            <th scope="col">Address</th>
            <th scope="col">Last contact</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-device={d.id}>
              {writer && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${d.id}`}
                    checked={selected.has(d.id ?? '')}
                    onChange={() => toggle(d.id ?? '')}
                  />
                </td>
              )}
              <td>
                <a href={`#/devices/${encodeURIComponent(d.id ?? '')}`}>{d.id}</a>
              </td>
              <td>{d.protocol}</td>
              <td>{d.model ?? ''}</td>
              <td>{d.profile ?? ''}</td>
              <td>{(d.tags ?? []).join(', ')}</td>
              <td>{address(d)}</td>
              <td>{when(d.lastContact)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!page.loading && rows.length === 0 && <p>No devices.</p>}
      <Pager
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page.data?.nextCursor}
        reload={page.reload}
      />
    </section>
  );
}

export const openDevice = (id: string) => go(`/devices/${encodeURIComponent(id)}`);

/** Adds and removes tags on the selected devices, one POST /v1/devices/{id}/tags each. */
function BulkTags({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const { client } = useApp();
  const [add, setAdd] = useState('');
  const [remove, setRemove] = useState('');
  const [done, setDone] = useState<number | undefined>();
  const [errors, setErrors] = useState<string[]>([]);
  const split = (s: string) =>
    s
      .split(/[\s,]+/)
      .map((t) => t.trim())
      .filter(Boolean);
  const apply = async (e: Event) => {
    e.preventDefault();
    const failures: string[] = [];
    setErrors([]);
    setDone(0);
    for (const [i, id] of ids.entries()) {
      const { error } = await client.POST('/v1/devices/{id}/tags', {
        params: { path: { id } },
        body: { add: split(add), remove: split(remove) },
      });
      if (error) failures.push(`${id}: ${problemText(error)}`);
      setDone(i + 1);
    }
    setErrors(failures);
    setAdd('');
    setRemove('');
    onDone();
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Tags of the selected devices">
      <Field label="Add tags">
        <input
          name="add-tags"
          value={add}
          onInput={(e) => setAdd((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field label="Remove tags">
        <input
          name="remove-tags"
          value={remove}
          onInput={(e) => setRemove((e.target as HTMLInputElement).value)}
        />
      </Field>
      <button type="submit" disabled={ids.length === 0 || (!add.trim() && !remove.trim())}>
        Apply tags to {ids.length} selected
      </button>
      {done !== undefined && (
        <progress max={Math.max(ids.length, done)} value={done} aria-label="Tags applied" />
      )}
      {errors.map((m) => (
        <ErrorLine error={m} />
      ))}
    </form>
  );
}
