import { ErrorLine, Json, useLoad } from './ui';

/**
 * SMSC binds as the readiness report shows them (/readyz: one check per bind). A /v1 binds
 * resource with rates, windows and pause/resume replaces this view once the API has one.
 */
export function Binds() {
  const ready = useLoad(async () => {
    const res = await fetch('/readyz');
    return (await res.json()) as { status: string; checks?: unknown };
  }, []);
  return (
    <section aria-labelledby="binds-title">
      <h1 id="binds-title">SMSC binds</h1>
      <p>Readiness of this gateway, including each SMSC bind it holds.</p>
      <ErrorLine error={ready.error} />
      {ready.data && <Json value={ready.data} label="Readiness report" />}
      <button type="button" onClick={ready.reload}>
        Refresh
      </button>
    </section>
  );
}
