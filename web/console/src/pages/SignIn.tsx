import { useState } from 'preact/hooks';

// SignIn takes an API token ("billingd token create" prints one). It is
// checked by the first query after sign-in; nothing is sent before.
export function SignIn({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [touched, setTouched] = useState(false);
  const empty = value.trim() === '';
  return (
    <div class="center-page">
      <main class="signin-card" id="main">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true">b</span> billingd <span class="brand-sub">console</span>
        </div>
        <h1>Sign in</h1>
        <p class="muted">Paste an API token. It is kept in this tab only and removed when you sign out or close the tab.</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setTouched(true);
            if (!empty) onSignIn(value.trim().replace(/^APIToken\s+/i, ''));
          }}
        >
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={value}
            aria-invalid={touched && empty}
            aria-describedby={touched && empty ? 'token-error' : undefined}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
          {touched && empty && (
            <p id="token-error" class="field-error" role="alert">
              Enter a token.
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block">
            Sign in
          </button>
        </form>
      </main>
    </div>
  );
}
