import { useState } from 'preact/hooks';
import { problemText } from './api';
import { JobSummary, JobTable, useLiveJob } from './jobs';
import { newRow, OperationsEditor, toOperations, useCatalog, type OpRow } from './operations';
import { canWrite } from './session';
import { ErrorLine, useApp, useLoad, when } from './ui';

interface InventoryEntry {
  value: unknown;
  at?: string;
  source?: string;
  jobId?: string;
}
interface PreviewPart {
  kind: string;
  title: string;
  content: string;
}
interface Preview {
  protocol: string;
  operations: unknown[];
  parts: PreviewPart[];
  masked: boolean;
  note?: string;
}

/** One device: addressing (secrets masked), inventory with provenance, its jobs, a new job. */
export function DeviceView({ id }: { id: string }) {
  const { client, session } = useApp();
  const device = useLoad(async () => {
    const { data, error } = await client.GET('/v1/devices/{id}', { params: { path: { id } } });
    if (error) throw new Error(problemText(error));
    return data;
  }, [id]);
  const inventory = useLoad(async () => {
    const { data, error } = await client.GET('/v1/devices/{id}/inventory', {
      params: { path: { id }, query: { detail: 'true' } as never },
    });
    if (error) throw new Error(problemText(error));
    return (data ?? {}) as Record<string, InventoryEntry>;
  }, [id]);
  const jobs = useLoad(async () => {
    const { data, error } = await client.GET('/v1/jobs', {
      params: { query: { deviceId: id, limit: 20 } },
    });
    if (error) throw new Error(problemText(error));
    return data?.items ?? [];
  }, [id]);
  const d = device.data;
  const credentials = Object.keys((d as { credentials?: object } | undefined)?.credentials ?? {});
  return (
    <section aria-labelledby="device-title">
      <h1 id="device-title">Device {id}</h1>
      <ErrorLine error={device.error} />
      {d && (
        <div class="cols">
          <div>
            <h2>Addressing</h2>
            <dl class="facts" aria-label="Addressing">
              <dt>Protocol</dt>
              <dd>{d.protocol}</dd>
              {Object.entries(d.addressing ?? {}).map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{String(v)}</dd>
                </>
              ))}
              {credentials.map((k) => (
                <>
                  <dt>{k}</dt>
                  <dd>********</dd>
                </>
              ))}
              <dt>Profile</dt>
              <dd>{d.profile ?? '—'}</dd>
              <dt>Model</dt>
              <dd>{d.model ?? '—'}</dd>
              <dt>Tags</dt>
              <dd>{(d.tags ?? []).join(', ') || '—'}</dd>
              <dt>Last contact</dt>
              <dd>{when(d.lastContact)}</dd>
            </dl>
          </div>
          <div>
            <h2>Inventory</h2>
            <ErrorLine error={inventory.error} />
            <table aria-label="Inventory">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Value</th>
                  <th scope="col">Learned</th>
                  <th scope="col">How</th>
                  <th scope="col">Job</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(inventory.data ?? {}).map(([path, e]) => (
                  <tr data-path={path}>
                    <td>{path}</td>
                    <td>{String(e.value)}</td>
                    <td>{when(e.at)}</td>
                    <td>{e.source ?? '—'}</td>
                    <td>{e.jobId ? <a href={`#/jobs/${e.jobId}`}>{e.jobId}</a> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="button" onClick={inventory.reload}>
              Refresh inventory
            </button>
          </div>
        </div>
      )}
      {d && canWrite(session) && (
        <NewJob
          deviceId={id}
          onDone={() => {
            inventory.reload();
            jobs.reload();
          }}
        />
      )}
      <h2>Jobs of this device</h2>
      <ErrorLine error={jobs.error} />
      <JobTable jobs={jobs.data ?? []} />
    </section>
  );
}

/** Builds a job, shows the exact bytes it would send (POST /v1/jobs/preview), then sends it. */
function NewJob({ deviceId, onDone }: { deviceId: string; onDone: () => void }) {
  const { client } = useApp();
  const catalog = useCatalog();
  const [rows, setRows] = useState<OpRow[]>([newRow()]);
  const [preview, setPreview] = useState<{ body: string; data: Preview } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [jobId, setJobId] = useState<string | undefined>();
  const body = { deviceId, operations: toOperations(rows, catalog.data ?? []) };
  const bodyText = JSON.stringify(body);
  const fresh = preview?.body === bodyText;

  const doPreview = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const { data, error } = await client.POST('/v1/jobs/preview', { body });
    if (error) return setError(problemText(error));
    setPreview({ body: bodyText, data: data as unknown as Preview });
  };
  const send = async () => {
    setError(undefined);
    const { data, error } = await client.POST('/v1/jobs', { body });
    if (error) return setError(problemText(error));
    setJobId(data?.id);
    onDone();
  };
  return (
    <section class="panel" aria-labelledby="new-job-title">
      <h2 id="new-job-title">New job</h2>
      <form onSubmit={doPreview} aria-label="New job">
        <OperationsEditor rows={rows} onChange={setRows} params={catalog.data ?? []} />
        <button type="submit">Preview</button>
        <button type="button" disabled={!fresh} onClick={send}>
          Send job
        </button>
      </form>
      <ErrorLine error={error} />
      {preview && (
        <div class="preview" aria-label="Preview" data-fresh={fresh}>
          <h3>
            Preview ({preview.data.protocol}
            {preview.data.masked ? ', secrets masked' : ''})
          </h3>
          {!fresh && <p class="notice">The operations changed: preview again before sending.</p>}
          {preview.data.note && <p class="notice">{preview.data.note}</p>}
          {preview.data.parts.map((p) => (
            <figure data-part={p.kind}>
              <figcaption>{p.title}</figcaption>
              <pre tabIndex={0} aria-label={p.title}>
                {p.content}
              </pre>
            </figure>
          ))}
        </div>
      )}
      {jobId && <LiveJob id={jobId} />}
    </section>
  );
}

function LiveJob({ id }: { id: string }) {
  const job = useLiveJob(id);
  return (
    <div class="live" aria-label="Job progress">
      <h3>Progress</h3>
      <ErrorLine error={job.error} />
      {job.data && <JobSummary job={job.data} />}
    </div>
  );
}
