import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure } from './api';

interface EntityStatus {
  records: number;
  vectorized: number;
  pending: number;
  failed: number;
  lagSeconds: number | null;
}
interface EtlStatus {
  entities: Record<string, EntityStatus>;
  embeddingModel: string;
}

const REFRESH_MS = 5000;

/** Per-entity vectorization figures from GET /v1/etl/status, refreshed every few seconds. */
export function Data() {
  const [status, setStatus] = useState<EtlStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState<Date | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const s = await api<EtlStatus>('GET', '/v1/etl/status');
        if (!stopped) {
          setStatus(s);
          setAt(new Date());
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof ApiFailure ? err.body.error.message : String(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  return (
    <section aria-labelledby="data-title">
      <h2 id="data-title">Data</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <>
          <div class="table-wrap">
            <table class="etl-status">
              <thead>
                <tr>
                  <th scope="col">entity</th>
                  <th scope="col">records</th>
                  <th scope="col">vectorized</th>
                  <th scope="col">pending</th>
                  <th scope="col">failed</th>
                  <th scope="col">lag (s)</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(status.entities).map(([name, e]) => (
                  <tr key={name} data-entity={name}>
                    <th scope="row">{name}</th>
                    <td data-field="records">{e.records}</td>
                    <td data-field="vectorized">{e.vectorized}</td>
                    <td data-field="pending">{e.pending}</td>
                    <td data-field="failed">{e.failed}</td>
                    <td data-field="lagSeconds">{e.lagSeconds ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="meta">
            Embedding model {status.embeddingModel}; refreshed {at?.toLocaleTimeString()}
          </p>
        </>
      )}
    </section>
  );
}
