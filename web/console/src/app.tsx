import { Provider, useQuery } from '@urql/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { clearToken, loadToken, saveToken } from './auth';
import { newClient } from './client';
import { Layout } from './components/Layout';
import { ErrorBox, Loading } from './components/states';
import { SignIn } from './pages/SignIn';
import { Routes } from './pages/Routes';
import { ViewerContext } from './viewer';
import { ViewerDocument, toViewer } from './viewerQuery';

export function App() {
  const [token, setToken] = useState<string | null>(loadToken());
  const client = useMemo(() => (token ? newClient(token) : null), [token]);
  const signOut = () => {
    clearToken();
    setToken(null);
    window.history.replaceState(null, '', '/console/');
  };
  if (!token || !client) {
    return (
      <SignIn
        onSignIn={(t) => {
          saveToken(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Provider value={client}>
      <SignedIn onSignOut={signOut} />
    </Provider>
  );
}

function SignedIn({ onSignOut }: { onSignOut: () => void }) {
  const [{ data, error, fetching }] = useQuery({ query: ViewerDocument, requestPolicy: 'network-only' });
  const viewer = useMemo(() => (data ? toViewer(data) : null), [data]);
  // A token the server does not accept is forgotten at once; the message stays.
  useEffect(() => {
    if (error && !data) clearToken();
  }, [error, data]);
  if (!viewer) {
    return (
      <div class="center-page">
        {error ? (
          <div class="signin-card">
            <ErrorBox error={error} title="Signed out: the token was not accepted" />
            <button type="button" class="btn btn-primary" onClick={onSignOut}>
              Sign in again
            </button>
          </div>
        ) : (
          <Loading label={fetching ? 'Signing in…' : 'Loading…'} />
        )}
      </div>
    );
  }
  return (
    <ViewerContext.Provider value={viewer}>
      <Layout onSignOut={onSignOut}>
        <Routes />
      </Layout>
    </ViewerContext.Provider>
  );
}
