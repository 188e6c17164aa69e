import { problemText, type Operation, type Parameter } from './api';
import { Field, useApp, useLoad } from './ui';

const KINDS = ['get', 'set', 'add', 'delete', 'exec', 'reboot', 'factoryReset'];
const NEEDS_VALUE = new Set(['set', 'add']);
const NEEDS_PATH = new Set(['get', 'set', 'add', 'delete', 'exec']);

export interface OpRow {
  op: string;
  path: string;
  value: string;
}

export const newRow = (): OpRow => ({ op: 'get', path: '', value: '' });

/** The rows as API operations; values typed after the catalog (int, bool) where it says so. */
export function toOperations(rows: OpRow[], params: Parameter[]): Operation[] {
  return rows.map((r) => {
    const o: Operation = { op: r.op as Operation['op'] };
    if (NEEDS_PATH.has(r.op) && r.path) o.path = r.path;
    if (NEEDS_VALUE.has(r.op)) {
      const p = params.find((x) => x.name === r.path);
      o.value =
        p?.type === 'int' ? Number(r.value) : p?.type === 'bool' ? r.value === 'true' : r.value;
    }
    return o;
  });
}

export function useCatalog() {
  const { client } = useApp();
  return useLoad(async () => {
    const { data, error } = await client.GET('/v1/parameters');
    if (error) throw new Error(problemText(error));
    return ((data as { items?: Parameter[] } | undefined)?.items ?? []) as Parameter[];
  }, []);
}

/** Operation rows: kind, a catalog parameter (or a raw path), and a value typed by the catalog. */
export function OperationsEditor(props: {
  rows: OpRow[];
  onChange: (rows: OpRow[]) => void;
  params: Parameter[];
}) {
  const { rows, onChange, params } = props;
  const update = (i: number, patch: Partial<OpRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="ops">
      <legend>Operations</legend>
      <datalist id="catalog-parameters">
        {params.map((p) => (
          <option value={p.name}>{`${p.type}${p.description ? ` — ${p.description}` : ''}`}</option>
        ))}
      </datalist>
      {rows.map((r, i) => {
        const p = params.find((x) => x.name === r.path);
        const n = i + 1;
        return (
          <div class="op-row" data-op-row={i}>
            <Field label={`Operation ${n}`}>
              <select
                value={r.op}
                onChange={(e) => update(i, { op: (e.target as HTMLSelectElement).value })}
              >
                {KINDS.map((k) => (
                  <option value={k}>{k}</option>
                ))}
              </select>
            </Field>
            {NEEDS_PATH.has(r.op) && (
              <Field
                label={`Parameter ${n}`}
                hint={p ? `${p.type}${p.secret ? ', secret' : ''}` : 'catalog name or raw path'}
              >
                <input
                  list="catalog-parameters"
                  value={r.path}
                  onInput={(e) => update(i, { path: (e.target as HTMLInputElement).value })}
                />
              </Field>
            )}
            {NEEDS_VALUE.has(r.op) && (
              <Field label={`Value ${n}`}>
                {p?.type === 'enum' || p?.type === 'bool' ? (
                  <select
                    value={r.value}
                    onChange={(e) => update(i, { value: (e.target as HTMLSelectElement).value })}
                  >
                    <option value="">choose…</option>
                    {(p.type === 'bool' ? ['true', 'false'] : (p.enum ?? [])).map((v) => (
                      <option value={v}>{v}</option>
                    ))}
                  </select>
                ) : (
                  <input
                    type={p?.secret ? 'password' : p?.type === 'int' ? 'number' : 'text'}
                    min={p?.min}
                    max={p?.max}
                    maxLength={p?.maxLength}
                    value={r.value}
                    onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })}
                  />
                )}
              </Field>
            )}
            <button
              type="button"
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
              disabled={rows.length < 2}
            >
              Remove operation {n}
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, newRow()])}>
        Add operation
      </button>
    </fieldset>
  );
}
