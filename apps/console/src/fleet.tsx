import { useEffect, useState } from 'preact/hooks';
import { problemText, type Device, type DeviceQuery } from './api';
import { DeviceImport } from './import';
import { canWrite } from './session';
import { ErrorLine, Field, go, useApp, useLoad, when, Pager } from './ui';

const PROTOCOLS = ['workpoint', 'omadm', 'omacp'];

interface Filters {
  protocol: string;
  tag: string;
  profile: string;
  model: string;
  /** last contact older than this many hours (or never) */
  olderThan: string;
  limit: string;
}

function address(d: Device): string {
  const a = d.addressing ?? {};
  return [a.msisdn, a.mac, a.devId, a.ip && `${a.ip}${a.port ? `:${a.port}` : ''}`]
    .filter(Boolean)
    .join(' · ');
}

type SearchKey = keyof DeviceQuery & ('msisdn' | 'mac' | 'devId' | 'id');

/**
 * What a search term looks like: a MAC (12 hex digits, any separators), an MSISDN (digits with an
 * optional +, 8 to 15 of them), else a device id or DevId (both are tried; an id-shaped term that
 * matches neither lists the ids starting with it).
 */
export function classify(term: string): SearchKey[] {
  const t = term.trim();
  const hex = t.replace(/[:.\s-]/g, '');
  if (
    /^[0-9a-f]{12}$/i.test(hex) &&
    /^[0-9a-f]{2}([:.\s-]?[0-9a-f]{2}){5}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i.test(t)
  )
    return ['mac'];
  const digits = t.replace(/[\s()./-]/g, '');
  if (/^(\+|00)?\d{8,15}$/.test(digits)) return ['msisdn'];
  const keys: SearchKey[] = [];
  if (/^[A-Za-z0-9._:-]{1,64}$/.test(t)) keys.push('id');
  if (/^[\x21-\x7e]{1,128}$/.test(t)) keys.push('devId');
  return keys;
}

const LABEL: Record<SearchKey, string> = { msisdn: 'MSISDN', mac: 'MAC', devId: 'DevId', id: 'id' };

/**
 * The fleet: one page of GET /v1/devices at a time (cursor paging, so page 1,000 costs what
 * page 1 does), filtered by the API on protocol, tag, profile, model and last contact; the search
 * box asks the API for an exact MSISDN, MAC, DevId or id (or an id prefix).
 */
export function Fleet({ params }: { params: URLSearchParams }) {
  const { client, session } = useApp();
  const initial: Filters = {
    protocol: params.get('protocol') ?? '',
    tag: params.get('tag') ?? '',
    profile: params.get('profile') ?? '',
    model: params.get('model') ?? '',
    olderThan: params.get('olderThan') ?? '',
    limit: params.get('limit') ?? '50',
  };
  const [form, setForm] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters>(initial);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [term, setTerm] = useState(params.get('q') ?? '');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const writer = canWrite(session);
  const cursor = cursors[cursors.length - 1];

  const page = useLoad(async () => {
    const { olderThan, limit, ...rest } = applied;
    const hours = Number(olderThan);
    const filters: DeviceQuery = {};
    if (rest.protocol) filters.protocol = rest.protocol as DeviceQuery['protocol'];
    if (rest.tag) filters.tag = rest.tag;
    if (rest.profile) filters.profile = rest.profile;
    if (rest.model) filters.model = rest.model;
    if (olderThan !== '' && Number.isFinite(hours) && hours >= 0)
      filters.lastContactBefore = new Date(Date.now() - hours * 3_600_000).toISOString();
    const list = async (query: DeviceQuery) => {
      const { data, error } = await client.GET('/v1/devices', { params: { query } });
      if (error) throw new Error(problemText(error));
      return data;
    };
    const t = term.trim();
    let found: string | undefined;
    let data;
    if (t && !cursor) {
      // exact keys first, each its own request (an id and a DevId may both be asked)
      const keys = classify(t);
      if (!keys.length) throw new Error(`'${t}' is not an id, MSISDN, MAC or DevId`);
      const answers = await Promise.all(keys.map((k) => list({ ...filters, [k]: t })));
      const byId = new Map<string, Device>();
      for (const a of answers) for (const d of a.items ?? []) byId.set(d.id ?? '', d);
      if (byId.size || !keys.includes('id')) {
        data = { items: [...byId.values()] };
        found = `${keys.map((k) => LABEL[k]).join(' or ')} '${t}'`;
      }
    }
    if (!data) {
      const query: DeviceQuery = { ...filters, limit: Number(limit) };
      if (t && classify(t).includes('id')) query.idPrefix = t;
      if (cursor) query.cursor = cursor;
      data = await list(query);
      if (t) found = `ids starting with '${t}'`;
    }
    performance.mark('fleet-data');
    return { ...data, found };
  }, [applied, cursor, term]);

  useEffect(() => {
    // the first frame after the page's rows are in the DOM (bench:console measures it)
    if (page.data) requestAnimationFrame(() => performance.mark('fleet-rendered'));
  }, [page.data]);

  const set = (k: keyof Filters) => (e: Event) =>
    setForm({ ...form, [k]: (e.target as HTMLInputElement).value });

  const apply = (e: Event) => {
    e.preventDefault();
    setApplied(form);
    setCursors([undefined]);
  };

  const runSearch = (e: Event) => {
    e.preventDefault();
    setTerm(search.trim());
    setCursors([undefined]);
  };

  const rows = page.data?.items ?? [];
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allOnPage = rows.length > 0 && rows.every((d) => selected.has(d.id ?? ''));
  const selection = new URLSearchParams(
    Object.entries(applied).filter(([k, v]) => v && k !== 'limit' && k !== 'olderThan'),
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
        <Field label="Last contact older than (hours)" hint="or never in contact">
          <input
            name="olderThan"
            type="number"
            min="0"
            step="any"
            value={form.olderThan}
            onInput={set('olderThan')}
          />
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
      <form class="filters" onSubmit={runSearch} role="search" aria-label="Find a device">
        <Field
          label="Find by MSISDN, MAC, DevId or id"
          hint="exact match in the whole fleet; an id that matches nothing lists the ids starting with it"
        >
          <input
            name="search"
            type="search"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit">Find</button>
        {term && (
          <button
            type="button"
            onClick={() => {
              setSearch('');
              setTerm('');
              setCursors([undefined]);
            }}
          >
            Clear search
          </button>
        )}
      </form>
      {page.data?.found && (
        <p role="status" data-search-result>
          {rows.length} device{rows.length === 1 ? '' : 's'} with {page.data.found}
          {page.data.nextCursor ? ' on this page' : ''}
        </p>
      )}
      {writer && (
        <p>
          {/* a campaign selects by protocol, tag, profile and model only */}
          {!applied.olderThan && !term && (
            <a class="button" href={`#/campaigns?new=1&${selection.toString()}`}>
              New campaign on these filters
            </a>
          )}
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
