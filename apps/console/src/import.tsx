import { useState } from 'preact/hooks';
import { problemText } from './api';
import { ErrorLine, Field, useApp } from './ui';

interface ImportResult {
  rows: number;
  created: number;
  failed: number;
  errors: { row: number; code?: string; message?: string }[];
}

/**
 * Bulk import of a CSV (header row) or JSON array file through POST /v1/devices/import. The file
 * goes as is; the API streams it and reports bad rows without stopping.
 */
export function DeviceImport({ onDone }: { onDone: () => void }) {
  const { client } = useApp();
  const [file, setFile] = useState<File | undefined>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    const type =
      /\.json$/i.test(file.name) || file.type === 'application/json'
        ? 'application/json'
        : 'text/csv';
    const { data, error } = await client.POST('/v1/devices/import', {
      body: (await file.text()) as never,
      bodySerializer: (b: unknown) => b as string,
      headers: { 'content-type': type },
    });
    setBusy(false);
    if (error) return setError(problemText(error));
    setResult(data as unknown as ImportResult);
    onDone();
  };
  return (
    <form class="panel filters" onSubmit={submit} aria-label="Import devices">
      <Field label="Device file" hint="CSV with a header row, or a JSON array">
        <input
          name="import-file"
          type="file"
          accept=".csv,.json,text/csv,application/json"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
        />
      </Field>
      <button type="submit" disabled={!file || busy}>
        Import devices
      </button>
      {busy && <progress aria-label="Import in progress" />}
      <ErrorLine error={error} />
      {result && (
        <div role="status" data-import-result>
          <progress max={result.rows || 1} value={result.created} aria-label="Rows imported" />{' '}
          {result.created} of {result.rows} rows imported, {result.failed} failed
          {result.errors.length > 0 && (
            <table aria-label="Import errors">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Code</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((r) => (
                  <tr data-row={r.row}>
                    <td>{r.row}</td>
                    <td>{r.code ?? ''}</td>
                    <td>{r.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </form>
  );
}
