import { useEffect, useState } from 'preact/hooks';
import { problemText, type Job } from './api';
import { useEvents } from './events';
import { JOB_STATES } from './job-states';
import { canWrite } from './session';
import { ErrorLine, Field, go, Json, StateBadge, useApp, useLoad, when, Pager } from './ui';

const TERMINAL = new Set(['succeeded', 'partial', 'failed', 'expired', 'cancelled', 'unconfirmed']);
const CANCELLABLE = new Set(['queued', 'waking', 'awaiting-contact']);

/** A job kept current: re-read on each of its job.state events, and every 2 s as a fallback. */
export function useLiveJob(id: string) {
  const { client } = useApp();
  const job = useLoad(async () => {
    const { data, error } = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    if (error) throw new Error(problemText(error));
    return data;
  }, [id]);
  const done = TERMINAL.has(job.data?.state ?? '');
  useEvents(client, ['job.state'], (batch) => {
    if (batch.some((e) => e.data.jobId === id)) job.reload();
  });
  useEffect(() => {
    if (done) return;
    const t = setInterval(job.reload, 2000);
    return () => clearInterval(t);
  }, [done, id]);
  return job;
}

export function JobSummary({ job }: { job: Job }) {
  const { client, session } = useApp();
  const [error, setError] = useState<string | undefined>();
  const act = async (what: 'cancel' | 'retry') => {
    setError(undefined);
    const params = { path: { id: job.id! } };
    if (what === 'cancel') {
      const { error } = await client.POST('/v1/jobs/{id}/cancel', { params });
      if (error) setError(problemText(error));
      return;
    }
    const { data, error } = await client.POST('/v1/jobs/{id}/retry', { params });
    if (error) return setError(problemText(error));
    if (data?.id) go(`/jobs/${data.id}`);
  };
  return (
    <div class="job" data-job={job.id} data-state={job.state}>
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <a href={`#/jobs/${job.id}`}>{job.id}</a>
        </dd>
        <dt>State</dt>
        <dd aria-live="polite">
          <StateBadge state={job.state} />
        </dd>
        <dt>Device</dt>
        <dd>
          <a href={`#/devices/${encodeURIComponent(job.deviceId ?? '')}`}>{job.deviceId}</a>
        </dd>
        <dt>Protocol</dt>
        <dd>{job.protocol}</dd>
        <dt>Created</dt>
        <dd>{when(job.createdAt)}</dd>
        <dt>Next step at</dt>
        <dd>{when(job.nextStepAt)}</dd>
        <dt>Deadline</dt>
        <dd>{when(job.deadline)}</dd>
        {job.campaignId && (
          <>
            <dt>Campaign</dt>
            <dd>
              <a href={`#/campaigns/${job.campaignId}`}>{job.campaignId}</a>
            </dd>
          </>
        )}
        {job.lastError && (
          <>
            <dt>Last error</dt>
            <dd>
              {when(job.lastError.at)}: {job.lastError.message}
            </dd>
          </>
        )}
      </dl>
      <table aria-label="Operations and results">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Operation</th>
            <th scope="col">Path</th>
            <th scope="col">Value</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {(job.operations ?? []).map((o, i) => {
            const r = job.results?.[i];
            return (
              <tr>
                <td>{i}</td>
                <td>{o.op}</td>
                <td>{o.path ?? ''}</td>
                <td>{o.value === undefined ? '' : String(o.value)}</td>
                <td>
                  {r ? `${r.status}${r.value !== undefined ? `: ${r.value}` : ''}` : '—'}
                  {r?.message ? ` (${r.message})` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {canWrite(session) && (
        <p class="actions">
          {CANCELLABLE.has(job.state ?? '') && (
            <button type="button" onClick={() => act('cancel')}>
              Cancel job
            </button>
          )}
          {TERMINAL.has(job.state ?? '') && (
            <button type="button" onClick={() => act('retry')}>
              Retry job
            </button>
          )}
        </p>
      )}
      <ErrorLine error={error} />
      {(job.attempts?.length ?? 0) > 0 && (
        <details>
          <summary>Attempts ({job.attempts!.length})</summary>
          <Json value={job.attempts} label="Attempts" />
        </details>
      )}
      {(job.faults?.length ?? 0) > 0 && (
        <details open>
          <summary>Faults ({job.faults!.length})</summary>
          <Json value={job.faults} label="Faults" />
        </details>
      )}
    </div>
  );
}

export function JobDetail({ id }: { id: string }) {
  const job = useLiveJob(id);
  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">Job {id}</h1>
      <ErrorLine error={job.error} />
      {job.data && <JobSummary job={job.data} />}
    </section>
  );
}

/** Jobs, newest first, filtered by device, campaign and state; cursor paging. */
export function Jobs({ params }: { params: URLSearchParams }) {
  const { client } = useApp();
  const init = {
    deviceId: params.get('deviceId') ?? '',
    campaignId: params.get('campaignId') ?? '',
    state: params.get('state') ?? '',
  };
  const [form, setForm] = useState(init);
  const [applied, setApplied] = useState(init);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(async () => {
    const q = Object.fromEntries(
      Object.entries({ ...applied, cursor }).filter(([, v]) => v !== '' && v !== undefined),
    );
    const { data, error } = await client.GET('/v1/jobs', {
      params: { query: { ...q, limit: 50 } },
    });
    if (error) throw new Error(problemText(error));
    return data;
  }, [applied, cursor]);
  const set = (k: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form
        class="filters"
        aria-label="Job filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
          setCursors([undefined]);
        }}
      >
        <Field label="Device id">
          <input name="deviceId" value={form.deviceId} onInput={set('deviceId')} />
        </Field>
        <Field label="Campaign id">
          <input name="campaignId" value={form.campaignId} onInput={set('campaignId')} />
        </Field>
        <Field label="State">
          <select name="state" value={form.state} onChange={set('state')}>
            <option value="">any</option>
            {JOB_STATES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <ErrorLine error={page.error} />
      <JobTable jobs={page.data?.items ?? []} />
      <Pager
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page.data?.nextCursor}
        reload={page.reload}
      />
    </section>
  );
}

export function JobTable({ jobs }: { jobs: Job[] }) {
  return (
    <table aria-label="Jobs">
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Device</th>
          <th scope="col">State</th>
          <th scope="col">Operations</th>
          <th scope="col">Created</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={j.id} data-job={j.id}>
            <td>
              <a href={`#/jobs/${j.id}`}>{j.id}</a>
            </td>
            <td>{j.deviceId}</td>
            <td>
              <StateBadge state={j.state} />
            </td>
            <td>{(j.operations ?? []).map((o) => `${o.op} ${o.path ?? ''}`).join('; ')}</td>
            <td>{when(j.createdAt)}</td>
            <td>{when(j.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
