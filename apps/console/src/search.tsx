import { useState } from 'preact/hooks';
import { api, ApiFailure } from './api';

interface Hit {
  entity: string;
  externalId: string;
  score: number;
  title: string;
  snippet: string;
}

const ENTITIES = ['', 'work_items', 'pull_requests', 'deployments'];

export function Search() {
  const [query, setQuery] = useState('');
  const [entity, setEntity] = useState('');
  const [status, setStatus] = useState('');
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const search = async () => {
    setError(null);
    try {
      const body = {
        query,
        limit: 20,
        ...(entity ? { entity } : {}),
        ...(status.trim() ? { filter: { status: status.trim() } } : {}),
      };
      setHits((await api<{ results: Hit[] }>('POST', '/v1/ai/search', body)).results);
    } catch (err) {
      setHits(null);
      setError(err instanceof ApiFailure ? err.body.error.message : String(err));
    }
  };

  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <form
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) void search();
        }}
      >
        <label for="search-query">Text</label>
        <input
          id="search-query"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <label for="search-entity">Entity</label>
        <select
          id="search-entity"
          value={entity}
          onChange={(e) => setEntity((e.target as HTMLSelectElement).value)}
        >
          {ENTITIES.map((x) => (
            <option key={x} value={x}>
              {x || 'all'}
            </option>
          ))}
        </select>
        <label for="search-status">Status</label>
        <input
          id="search-status"
          placeholder="any"
          value={status}
          onInput={(e) => setStatus((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {hits && hits.length === 0 && <p>No results.</p>}
      {hits && hits.length > 0 && (
        <ul class="hits">
          {hits.map((h) => (
            <li key={`${h.entity}/${h.externalId}`} class="card hit">
              <div class="hit-title">{h.title}</div>
              <div class="hit-meta">
                {h.entity} · {h.externalId} · score {h.score.toFixed(3)}
              </div>
              <div class="hit-snippet">{h.snippet}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
