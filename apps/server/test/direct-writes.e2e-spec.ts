import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { FIXTURE_NOW } from '@app/ai/semantic/testing/fixtures';
import { eventually } from './support/eventually';
import { storedPoints } from './support/qdrant-points';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { SplitDeployment } from './support/split-deployment';

const BUGS_LAST_WEEK = 'How many bugs were resolved last week?';
/** Inside the fixture clock's "last week" (2026-11-16 .. 2026-11-23). */
const LAST_WEEK = '2026-11-18T10:00:00Z';

interface Reply {
  status: number;
  body: any;
}

/**
 * Another program writes the business tables with plain SQL and COPY (business columns only, knowing nothing
 * of Pulse AI), while two API processes hold cached answers and a separate worker vectorizes: the database's
 * own triggers are the only path by which anyone learns of the change.
 */
describe('direct SQL writes: fresh answers on every pod, vectors, revocation', () => {
  let d: SplitDeployment;
  let api2: ServerProcess;
  let writer: Client;
  let tenant: { id: string; apiKey: string };

  beforeAll(async () => {
    d = await SplitDeployment.start({
      RECONCILE_INTERVAL_S: '0',
      QUERY_FIXED_NOW: FIXTURE_NOW.toISOString(),
    });
    [api2] = await Promise.all([startServerProcess({ role: 'api', env: d.env }), d.startWorker()]);
    writer = new Client({ connectionString: process.env.DATABASE_URL });
    await writer.connect();
    tenant = await d.api.createTenant();
  }, 180_000);

  afterAll(async () => {
    await writer?.end();
    await api2?.stop('SIGTERM');
    await d?.close();
  });

  const pods: Record<string, (path: string, apiKey: string, body?: unknown) => Promise<Reply>> = {
    'API in-process': async (url, apiKey, body) =>
      d.api.request({ method: body ? 'POST' : 'GET', url, token: apiKey, body }),
    'API process': async (url, apiKey, body) => {
      const res = await fetch(`${api2.url}${url}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json() };
    },
  };

  async function bugsLastWeek(pod: string): Promise<{ n: number; route: string }> {
    const res = await pods[pod]('/v1/ai/query', tenant.apiKey, { question: BUGS_LAST_WEEK });
    expect(res.status).toBe(200);
    return { n: Number(res.body.rows[0][0]), route: res.body.route };
  }

  /** Every pod answers `expected` right after the write committed, then serves it from its cache. */
  async function everyPodAnswers(expected: number): Promise<void> {
    for (const pod of Object.keys(pods)) {
      expect({ pod, ...(await bugsLastWeek(pod)) }).toEqual(expect.objectContaining({ pod, n: expected }));
      expect({ pod, ...(await bugsLastWeek(pod)) }).toEqual({ pod, n: expected, route: 'cached' });
    }
  }

  const insertBug = (id: string, title: string) =>
    writer.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, description, type, status, priority,
         created_at, updated_at, resolved_at)
       VALUES ($1, $2, 'PAY', $3, 'Seen by customers at checkout', 'bug', 'done', 'high', $4, $4, $4)`,
      [tenant.id, id, title, LAST_WEEK],
    );

  it('the next answer after each direct write commits is never stale, on either API process', async () => {
    await everyPodAnswers(0);

    await insertBug('BUG-1', 'Card charged twice on retry');
    await everyPodAnswers(1);

    await writer.query(`UPDATE work_items SET status = 'in_progress' WHERE tenant_id = $1`, [tenant.id]);
    await everyPodAnswers(0);

    await writer.query(`UPDATE work_items SET status = 'done' WHERE tenant_id = $1`, [tenant.id]);
    await everyPodAnswers(1);

    await writer.query('DELETE FROM work_items WHERE tenant_id = $1', [tenant.id]);
    await everyPodAnswers(0);

    await pipeline(
      Readable.from(
        [1, 2, 3].map(
          (i) =>
            `${tenant.id}\tCOPY-${i}\tPAY\tCopied bug ${i}\t\\N\tbug\tdone\tlow\t${LAST_WEEK}\t${LAST_WEEK}\t${LAST_WEEK}\n`,
        ),
      ),
      writer.query(
        copyFrom(
          'COPY work_items (tenant_id, external_id, project, title, description, type, status, priority, created_at, updated_at, resolved_at) FROM STDIN',
        ),
      ),
    );
    await everyPodAnswers(3);
    await writer.query('DELETE FROM work_items WHERE tenant_id = $1', [tenant.id]);
    await everyPodAnswers(0);
  });

  async function search(query: string, filter?: Record<string, string>): Promise<any[]> {
    const res = await pods['API process']('/v1/ai/search', tenant.apiKey, {
      query,
      entity: 'work_items',
      limit: 10,
      ...(filter ? { filter } : {}),
    });
    expect(res.status).toBe(200);
    return res.body.results;
  }

  const points = () => storedPoints(d.api, d.qdrant.url, tenant.id);

  /** The tenant's texts embedded by the worker, once the figure has stopped moving (it is written in the background). */
  async function settledTextsEmbedded(): Promise<number> {
    const read = async () =>
      Number(
        (await pods['API in-process']('/v1/metrics/performance', tenant.apiKey)).body.embedding.textsEmbedded,
      );
    let last = await read();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await read();
      if (now === last) return now;
      last = now;
    }
  }

  /** Waits until the store holds exactly these points (by id) and the status counts agree with the table. */
  async function untilStoreHolds(ids: string[]): Promise<void> {
    await eventually(
      async () => {
        const stored = (await points()).map((p) => String(p.external_id)).sort();
        const status = (await pods['API in-process']('/v1/etl/status', tenant.apiKey)).body.entities
          .work_items;
        return (
          JSON.stringify(stored) === JSON.stringify([...ids].sort()) &&
          status.records === ids.length &&
          status.vectorized === ids.length &&
          status.pending === 0
        );
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `store holding ${ids.join(', ') || 'nothing'}` },
    );
  }

  it('new and changed rows become searchable, a status change refreshes the payload without embedding, deleted rows leave the store', async () => {
    await insertBug('SRCH-1', 'Invoice PDF renders blank pages');
    await insertBug('SRCH-2', 'Password reset email never arrives');
    await untilStoreHolds(['SRCH-1', 'SRCH-2']);
    expect((await search('blank invoice pdf'))[0]).toMatchObject({ externalId: 'SRCH-1' });

    await writer.query(
      `UPDATE work_items SET title = 'Dark mode toggle resets after logout' WHERE tenant_id = $1 AND external_id = 'SRCH-1'`,
      [tenant.id],
    );
    await eventually(
      async () =>
        (await points()).some(
          (p) => p.external_id === 'SRCH-1' && p.title === 'Dark mode toggle resets after logout',
        ),
      { timeoutMs: 60_000, what: 'new title in the store' },
    );
    expect((await search('dark mode setting lost on logout'))[0]).toMatchObject({
      externalId: 'SRCH-1',
      title: 'Dark mode toggle resets after logout',
    });

    const embeddedBefore = await settledTextsEmbedded();
    await writer.query(
      `UPDATE work_items SET status = 'in_progress' WHERE tenant_id = $1 AND external_id = 'SRCH-2'`,
      [tenant.id],
    );
    await eventually(
      async () =>
        (await search('password reset email', { status: 'in_progress' }))[0]?.externalId === 'SRCH-2',
      { timeoutMs: 60_000, what: 'status filter matching the new status' },
    );
    expect(await search('password reset email', { status: 'done' })).toEqual([
      expect.objectContaining({ externalId: 'SRCH-1' }),
    ]);
    // The payload was rewritten in place: nothing was embedded for the status change.
    expect(await settledTextsEmbedded()).toBe(embeddedBefore);

    await writer.query(`DELETE FROM work_items WHERE tenant_id = $1 AND external_id = 'SRCH-1'`, [tenant.id]);
    await untilStoreHolds(['SRCH-2']);
    await writer.query('DELETE FROM work_items WHERE tenant_id = $1', [tenant.id]);
    await untilStoreHolds([]);

    // Counted where the worker embedded them, for this tenant.
    const perf = await pods['API in-process']('/v1/metrics/performance', tenant.apiKey);
    expect(perf.body.embedding.textsEmbedded).toBeGreaterThan(0);
    expect(perf.body.embedding.model).toEqual(expect.any(String));
  });

  it('a key revoked through one API process is refused by the other within 1 s', async () => {
    const created = await d.api.request({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/api-keys`,
      token: d.api.adminToken,
    });
    expect(created.status).toBe(201);
    const { id, apiKey } = created.body as { id: string; apiKey: string };
    // Verified (and cached) by the other process.
    for (let i = 0; i < 2; i++)
      expect((await pods['API process']('/v1/etl/status', apiKey)).status).toBe(200);

    const revoked = await d.api.request({
      method: 'DELETE',
      url: `/v1/admin/api-keys/${id}`,
      token: d.api.adminToken,
    });
    expect(revoked.status).toBeLessThan(300);
    const at = Date.now();
    let refusedAfter = -1;
    while (Date.now() - at < 5_000) {
      if ((await pods['API process']('/v1/etl/status', apiKey)).status === 401) {
        refusedAfter = Date.now() - at;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`revoked key refused by the other API process after ${refusedAfter} ms`);
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThanOrEqual(1_000);
  });
});
