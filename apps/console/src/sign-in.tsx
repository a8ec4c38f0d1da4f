import { useState } from 'preact/hooks';
import { api, ApiFailure, session } from './api';

/** Paste a tenant API key; it is checked against the API before it is kept (sessionStorage only). */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('GET', '/v1/etl/status', undefined, key.trim());
      session.set(key.trim());
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.status === 401
          ? 'That API key was not accepted. Paste the whole tenant key (it starts with the tenant’s prefix) and try again.'
          : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card sign-in" onSubmit={(e) => void submit(e)}>
      <h1>Pulse AI console</h1>
      <label for="api-key">Tenant API key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        value={key}
        onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        required
      />
      <p class="hint">Kept in this tab only (sessionStorage); sent only in the Authorization header.</p>
      <button type="submit" disabled={busy || key.trim() === ''}>
        Sign in
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
