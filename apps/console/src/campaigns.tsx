import { useEffect, useState } from 'preact/hooks';
import { problemText, type Campaign, type components } from './api';
import { useEvents } from './events';
import { JobTable } from './jobs';
import { newRow, OperationsEditor, toOperations, useCatalog, type OpRow } from './operations';
import { JOB_STATES } from './job-states';
import { canWrite } from './session';
import { ErrorLine, Field, go, StateBadge, useApp, useLoad, when } from './ui';

/** Campaign counters as the API declares them (totals, finished by state, by protocol). */
type Progress = components['schemas']['CampaignProgress'];
type Counts = Record<string, number | undefined>;

/** One bar per protocol: finished of created, and how many are in each state now. */
function ProtocolBars({ p }: { p?: Progress }) {
  const rows = Object.entries(p?.byProtocol ?? {});
  if (!rows.length) return null;
  return (
    <table aria-label="Progress by protocol">
      <thead>
        <tr>
          <th scope="col">Protocol</th>
          <th scope="col">Done</th>
          <th scope="col">Jobs now in each state</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([protocol, x]) => {
          const pct = x.jobs ? Math.floor((x.done / x.jobs) * 100) : 0;
          return (
            <tr data-protocol={protocol}>
              <th scope="row">{protocol}</th>
              <td>
                <div class="progress-line">
                  <progress
                    max={100}
                    value={pct}
                    aria-label={`${protocol} progress`}
                    data-percent={pct}
                  />
                  <output data-done={x.done} data-jobs={x.jobs}>
                    {x.done} of {x.jobs}
                  </output>
                </div>
              </td>
              <td>
                {JOB_STATES.filter((s) => (x.byState as Counts)[s]).map((s) => (
                  <span class="state-count" data-state={s}>
                    <StateBadge state={s} /> {(x.byState as Counts)[s]}
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function percent(p?: Progress): number {
  if (!p) return 0;
  if (p.jobs === 0) return p.fanOutComplete ? 100 : 0;
  const pct = Math.floor((p.done / p.jobs) * 100);
  return p.fanOutComplete ? pct : Math.min(pct, 99);
}

export function Campaigns({ params }: { params: URLSearchParams }) {
  const { client, session } = useApp();
  const list = useLoad(async () => {
    const { data, error } = await client.GET('/v1/campaigns', { params: { query: { limit: 50 } } });
    if (error) throw new Error(problemText(error));
    return data?.items ?? [];
  }, []);
  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">Campaigns</h1>
      {canWrite(session) && <NewCampaign params={params} />}
      <ErrorLine error={list.error} />
      <table aria-label="Campaigns">
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((c) => (
            <tr data-campaign={c.id}>
              <td>
                <a href={`#/campaigns/${c.id}`}>{c.id}</a>
              </td>
              <td>{c.name ?? ''}</td>
              <td>
                <StateBadge state={c.state} />
              </td>
              <td>{percent(c.progress)} %</td>
              <td>{when((c as { createdAt?: string }).createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={list.reload}>
        Refresh
      </button>
    </section>
  );
}

/** A campaign from a selection (the fleet's filters, or listed ids) and operations. */
function NewCampaign({ params }: { params: URLSearchParams }) {
  const { client } = useApp();
  const catalog = useCatalog();
  const [open, setOpen] = useState(params.get('new') === '1');
  const [sel, setSel] = useState({
    tag: params.get('tag') ?? '',
    protocol: params.get('protocol') ?? '',
    profile: params.get('profile') ?? '',
    model: params.get('model') ?? '',
    deviceIds: params.get('deviceIds') ?? '',
  });
  const [name, setName] = useState('');
  const [rate, setRate] = useState('50');
  const [rows, setRows] = useState<OpRow[]>([newRow()]);
  const [error, setError] = useState<string | undefined>();
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New campaign
      </button>
    );
  const set = (k: keyof typeof sel) => (e: Event) =>
    setSel({ ...sel, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const ids = sel.deviceIds
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const selection = ids.length
      ? { deviceIds: ids }
      : Object.fromEntries(Object.entries(sel).filter(([k, v]) => v && k !== 'deviceIds'));
    if (!Object.keys(selection).length)
      return setError('Choose a selection: device ids, or a tag, protocol, profile or model.');
    const { data, error } = await client.POST('/v1/campaigns', {
      body: {
        name: name || undefined,
        selection: selection as never,
        operations: toOperations(rows, catalog.data ?? []),
        ratePerSecond: Number(rate) || 50,
      },
    });
    if (error) return setError(problemText(error));
    go(`/campaigns/${data!.id}`);
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New campaign">
      <h2>New campaign</h2>
      <Field label="Campaign name">
        <input
          name="name"
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </Field>
      <fieldset>
        <legend>Selection</legend>
        <Field label="Device ids" hint="comma or space separated; overrides the query below">
          <textarea name="deviceIds" value={sel.deviceIds} onInput={set('deviceIds')} />
        </Field>
        <Field label="Selection tag">
          <input name="sel-tag" value={sel.tag} onInput={set('tag')} />
        </Field>
        <Field label="Selection protocol">
          <select name="sel-protocol" value={sel.protocol} onChange={set('protocol')}>
            <option value="">any</option>
            {['workpoint', 'omadm', 'omacp'].map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Field label="Selection profile">
          <input name="sel-profile" value={sel.profile} onInput={set('profile')} />
        </Field>
        <Field label="Selection model">
          <input name="sel-model" value={sel.model} onInput={set('model')} />
        </Field>
      </fieldset>
      <OperationsEditor rows={rows} onChange={setRows} params={catalog.data ?? []} />
      <Field label="Rate (jobs per second)">
        <input
          name="rate"
          type="number"
          min="1"
          value={rate}
          onInput={(e) => setRate((e.target as HTMLInputElement).value)}
        />
      </Field>
      <button type="submit">Start campaign</button>
      <button type="button" onClick={() => setOpen(false)}>
        Close
      </button>
      <ErrorLine error={error} />
    </form>
  );
}

const LIVE = new Set(['running', 'paused']);

/** One campaign, kept current by its events (batched) with a 2 s poll as the fallback. */
export function CampaignDetail({ id }: { id: string }) {
  const { client, session } = useApp();
  const [error, setError] = useState<string | undefined>();
  const campaign = useLoad(async () => {
    const { data, error } = await client.GET('/v1/campaigns/{id}', { params: { path: { id } } });
    if (error) throw new Error(problemText(error));
    return data;
  }, [id]);
  const failed = useLoad(async () => {
    const { data } = await client.GET('/v1/jobs', {
      params: { query: { campaignId: id, state: 'failed', limit: 100 } },
    });
    return data?.items ?? [];
  }, [id, campaign.data?.state]);
  // campaign.progress events carry the counters (per protocol too): shown as they come; a
  // change of the campaign's state re-reads it
  const [streamed, setStreamed] = useState<Progress | undefined>();
  useEffect(() => setStreamed(undefined), [campaign.data]);
  useEvents(client, ['campaign.state', 'campaign.progress'], (batch) => {
    const mine = batch.filter((e) => e.data.campaignId === id);
    const last = mine.filter((e) => e.type === 'campaign.progress').pop();
    if (last) setStreamed(last.data.progress as Progress);
    if (mine.some((e) => e.type === 'campaign.state')) campaign.reload();
  });
  const live = LIVE.has(campaign.data?.state ?? 'running');
  useEffect(() => {
    if (!live) return;
    const t = setInterval(campaign.reload, 2000);
    return () => clearInterval(t);
  }, [live, id]);
  const c = campaign.data as Campaign | undefined;
  const p = streamed ?? c?.progress;
  const pct = percent(p);
  const act = async (what: 'pause' | 'resume' | 'cancel') => {
    setError(undefined);
    const path =
      what === 'pause'
        ? '/v1/campaigns/{id}/pause'
        : what === 'resume'
          ? '/v1/campaigns/{id}/resume'
          : '/v1/campaigns/{id}/cancel';
    const { error } = await client.POST(path, { params: { path: { id } } });
    if (error) setError(problemText(error));
    campaign.reload();
  };
  const reasons = new Map<string, number>();
  for (const j of failed.data ?? []) {
    const r =
      j.results?.find((x) => x.status === 'failed')?.message ??
      j.lastError?.message ??
      'no reason recorded';
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  return (
    <section aria-labelledby="campaign-title">
      <h1 id="campaign-title">Campaign {c?.name ? `“${c.name}”` : id}</h1>
      <ErrorLine error={campaign.error ?? error} />
      {c && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={c.state} />
              {c.stopReason ? ` (${c.stopReason})` : ''}
            </dd>
            <dt>Jobs</dt>
            <dd>
              {p?.done ?? 0} done of {p?.jobs ?? 0}
              {p?.fanOutComplete ? '' : ' (still fanning out)'}, {p?.skipped ?? 0} skipped
            </dd>
          </dl>
          <div class="progress-line">
            <progress max={100} value={pct} aria-label="Campaign progress" data-percent={pct} />
            <output aria-live="polite" data-testid="campaign-percent">
              {pct} %
            </output>
          </div>
          <ProtocolBars p={p} />
          <table aria-label="Jobs by state">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Jobs</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(p?.byState ?? {}).map(([s, n]) => (
                <tr data-state={s}>
                  <td>
                    <StateBadge state={s} />
                  </td>
                  <td>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {canWrite(session) && (
            <p class="actions">
              {c.state === 'running' && (
                <button type="button" onClick={() => act('pause')}>
                  Pause campaign
                </button>
              )}
              {c.state === 'paused' && (
                <button type="button" onClick={() => act('resume')}>
                  Resume campaign
                </button>
              )}
              {LIVE.has(c.state ?? '') && (
                <button type="button" onClick={() => act('cancel')}>
                  Cancel campaign
                </button>
              )}
            </p>
          )}
          {reasons.size > 0 && (
            <>
              <h2>Failure reasons</h2>
              <ul aria-label="Failure reasons">
                {[...reasons].map(([r, n]) => (
                  <li>
                    {n} × {r}
                  </li>
                ))}
              </ul>
              <JobTable jobs={failed.data ?? []} />
            </>
          )}
          <p>
            <a href={`#/jobs?campaignId=${id}`}>All jobs of this campaign</a>
          </p>
        </>
      )}
    </section>
  );
}
