import { problemText, type Parameter } from './api';
import { useCatalog } from './operations';
import { ErrorLine, useApp, useLoad } from './ui';

interface Profile {
  id: string;
  protocol: string;
  description?: string;
  models?: string[];
}

/** The parameter catalog and the profiles, read-only. */
export function Catalog() {
  const { client } = useApp();
  const params = useCatalog();
  const profiles = useLoad(async () => {
    const { data, error } = await client.GET('/v1/profiles');
    if (error) throw new Error(problemText(error));
    return ((data as { items?: Profile[] } | undefined)?.items ?? []) as Profile[];
  }, []);
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <h2>Parameters</h2>
      <ErrorLine error={params.error} />
      <table aria-label="Parameters">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Bindings</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {(params.data ?? []).map((p: Parameter) => (
            <tr>
              <td>{p.name}</td>
              <td>
                {p.type}
                {p.enum ? ` (${p.enum.join(' | ')})` : ''}
                {p.secret ? ', secret' : ''}
              </td>
              <td>
                {Object.entries(p.bindings ?? {})
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('; ')}
              </td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Profiles</h2>
      <ErrorLine error={profiles.error} />
      <table aria-label="Profiles">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Protocol</th>
            <th scope="col">Models</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {(profiles.data ?? []).map((p) => (
            <tr>
              <td>{p.id}</td>
              <td>{p.protocol}</td>
              <td>{(p.models ?? []).join(', ')}</td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
