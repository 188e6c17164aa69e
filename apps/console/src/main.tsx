import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { makeClient, whenUnauthorized } from './api';
import { Binds } from './binds';
import { CampaignDetail, Campaigns } from './campaigns';
import { Catalog } from './catalog';
import { DeviceView } from './device';
import { Fleet } from './fleet';
import { ApiKeys } from './keys';
import { JobDetail, Jobs } from './jobs';
import { Login } from './login';
import { clearSession, isAdmin, loadSession, type Session } from './session';
import { AppContext } from './ui';

function useHash(): string {
  const [hash, setHash] = useState(location.hash.slice(1) || '/devices');
  useEffect(() => {
    const on = () => setHash(location.hash.slice(1) || '/devices');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Route({ path }: { path: string }) {
  const [base, query = ''] = path.split('?');
  const parts = base.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'devices':
      return parts[1] ? <DeviceView id={parts[1]} /> : <Fleet params={params} />;
    case 'jobs':
      return parts[1] ? <JobDetail id={parts[1]} /> : <Jobs params={params} />;
    case 'campaigns':
      return parts[1] ? <CampaignDetail id={parts[1]} /> : <Campaigns params={params} />;
    case 'binds':
      return <Binds />;
    case 'catalog':
      return <Catalog />;
    case 'keys':
      return <ApiKeys />;
    default:
      return <p>Nothing here. Choose a view above.</p>;
  }
}

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [message, setMessage] = useState<string | undefined>();
  const hash = useHash();
  useEffect(() => {
    whenUnauthorized((m) => {
      setMessage(m);
      setSession(undefined);
    });
  }, []);
  const client = useMemo(() => (session ? makeClient(session.key) : undefined), [session]);
  if (!session || !client)
    return (
      <Login
        message={message}
        onLogin={(s) => {
          setMessage(undefined);
          setSession(s);
        }}
      />
    );
  const section = hash.split('/')[1];
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} aria-current={section === to ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <AppContext.Provider value={{ client, session }}>
      <header>
        <strong>dm-bridge</strong>
        <nav aria-label="Main">
          {link('devices', 'Fleet')}
          {link('jobs', 'Jobs')}
          {link('campaigns', 'Campaigns')}
          {link('binds', 'SMSC binds')}
          {link('catalog', 'Catalog')}
          {isAdmin(session) && link('keys', 'API keys')}
        </nav>
        <span class="scope" data-scope={session.scope}>
          key scope: {session.scope}
        </span>
        <button
          type="button"
          onClick={() => {
            clearSession();
            setSession(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <Route key={hash} path={hash} />
      </main>
    </AppContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
