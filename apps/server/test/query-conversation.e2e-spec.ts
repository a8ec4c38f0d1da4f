import { tenantData } from '@app/ai/semantic/testing/analytics-questions';
import type { FixtureWorkItem } from '@app/ai/semantic/testing/fixtures';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { expectErrorShape } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const open = (w: FixtureWorkItem) => w.status !== 'done' && w.status !== 'cancelled';
const inRange = (d: Date, from: string, to: string) => d >= new Date(from) && d < new Date(to);

/** Count per group value, as the answer's rows [group, count] give it. */
function countsBy(items: FixtureWorkItem[], key: (w: FixtureWorkItem) => string | null) {
  const out: Record<string, number> = {};
  for (const w of items) out[String(key(w))] = (out[String(key(w))] ?? 0) + 1;
  return out;
}
const rowsAsCounts = (rows: unknown[][]) => Object.fromEntries(rows.map((r) => [String(r[0]), Number(r[1])]));

describe('POST /v1/ai/query: follow-up questions in a conversation', () => {
  let t: QueryTestApp;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let wi: FixtureWorkItem[];

  const ask = (question: string, conversationId?: string, token = a.apiKey) =>
    t.request({
      method: 'POST',
      url: '/v1/ai/query',
      token,
      body: { question, ...(conversationId === undefined ? {} : { conversationId }) },
    });

  /** Asks and expects an answer; returns it. */
  async function answer(question: string, conversationId?: string) {
    const res = await ask(question, conversationId);
    if (res.status !== 200) throw new Error(`"${question}": ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.conversationId).toMatch(UUID);
    if (conversationId) expect(res.body.conversationId).toBe(conversationId);
    return res.body as { conversationId: string; understood: string; rows: unknown[][]; columns: string[] };
  }

  beforeAll(async () => {
    t = await startQueryTestApp();
    a = await t.createTenant();
    b = await t.createTenant();
    const fx = await t.seedFixture([a, b], { seed: 11 });
    wi = tenantData(fx, a.id).wi;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('filters, regroups and lists the previous answer', async () => {
    const bugs = wi.filter((w) => w.type === 'bug' && open(w));
    const first = await answer('How many open bugs?');
    expect(Number(first.rows[0][0])).toBe(bugs.length);
    const id = first.conversationId;

    const high = bugs.filter((w) => w.priority === 'high');
    const only = await answer('only high priority ones', id);
    expect(only.understood).toMatch(/type is bug.*priority is high|priority is high.*type is bug/);
    expect(Number(only.rows[0][0])).toBe(high.length);
    expect(high.length).toBeGreaterThan(0);
    expect(high.length).toBeLessThan(bugs.length);

    const byAssignee = await answer('and by assignee?', id);
    expect(byAssignee.columns[0]).toBe('assignee');
    expect(rowsAsCounts(byAssignee.rows)).toEqual(countsBy(high, (w) => w.assignee));

    const byStatus = await answer('by status instead', id);
    expect(byStatus.columns[0]).toBe('status');
    expect(rowsAsCounts(byStatus.rows)).toEqual(countsBy(high, (w) => w.status));

    const list = await answer('show me those', id);
    expect(list.columns[0]).toBe('id');
    expect(list.rows.map((r) => r[0]).sort()).toEqual(high.map((w) => w.externalId).sort());

    const count = await answer('how many?', id);
    expect(Number(count.rows[0][0])).toBe(high.length);

    const notInProgress = await answer('not the in progress ones', id);
    expect(Number(notInProgress.rows[0][0])).toBe(high.filter((w) => w.status !== 'in_progress').length);
  });

  it('a question answered from the cache is the context of its follow-up, as one answered fresh', async () => {
    const bugs = wi.filter((w) => w.type === 'bug' && w.project === 'PAY');
    await answer('How many bugs in project PAY were created last week?');
    const cached = await ask('How many bugs in project PAY were created last week?');
    expect(cached.body.cache).toMatchObject({ hit: true, kind: 'exact' });
    const byStatus = await answer('and by status?', cached.body.conversationId);
    const lastWeek = bugs.filter((w) => inRange(w.createdAt, '2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z'));
    expect(byStatus.understood).toMatch(/project is PAY/);
    expect(rowsAsCounts(byStatus.rows)).toEqual(countsBy(lastWeek, (w) => w.status));
    expect(lastWeek.length).toBeGreaterThan(0);
  });

  it('changes the time window, the type and the project', async () => {
    const first = await answer('How many bugs were created last week?');
    const id = first.conversationId;
    const bugs = wi.filter((w) => w.type === 'bug');
    expect(Number(first.rows[0][0])).toBe(
      bugs.filter((w) => inRange(w.createdAt, '2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z')).length,
    );

    const october = bugs.filter((w) => inRange(w.createdAt, '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'));
    const lastMonth = await answer('what about last month?', id);
    expect(lastMonth.understood).toMatch(/type is bug.*last month/);
    expect(Number(lastMonth.rows[0][0])).toBe(october.length);
    expect(october.length).toBeGreaterThan(0);

    const in2025 = bugs.filter((w) => inRange(w.createdAt, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'));
    const year = await answer('and in 2025?', id);
    expect(Number(year.rows[0][0])).toBe(in2025.length);
    expect(in2025.length).not.toBe(october.length);

    const pay = await answer('only in PAY', id);
    const inPay = in2025.filter((w) => w.project === 'PAY').length;
    expect(Number(pay.rows[0][0])).toBe(inPay);
    expect(inPay).toBeGreaterThan(0);
    expect(inPay).toBeLessThan(in2025.length);

    const incidents = await answer('just the incidents', id);
    expect(Number(incidents.rows[0][0])).toBe(
      wi.filter(
        (w) =>
          w.type === 'incident' &&
          w.project === 'PAY' &&
          inRange(w.createdAt, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
      ).length,
    );
  });

  it('a complete question replaces the context; the same follow-up in two contexts gets two answers', async () => {
    const bugs = await answer('How many bugs are there?');
    const incidents = await answer('How many incidents are there?');
    const highBugs = await answer('only high priority ones', bugs.conversationId);
    const highIncidents = await answer('only high priority ones', incidents.conversationId);
    const count = (type: string) => wi.filter((w) => w.type === type && w.priority === 'high').length;
    expect(Number(highBugs.rows[0][0])).toBe(count('bug'));
    expect(Number(highIncidents.rows[0][0])).toBe(count('incident'));
    expect(count('bug')).not.toBe(count('incident'));

    const replaced = await answer('How many stories are there?', bugs.conversationId);
    expect(Number(replaced.rows[0][0])).toBe(wi.filter((w) => w.type === 'story').length);
    const storiesHigh = await answer('only high priority ones', bugs.conversationId);
    expect(Number(storiesHigh.rows[0][0])).toBe(count('story'));
  });

  it("the console's follow-up: 'only bugs' after 'Work items by status'", async () => {
    const first = await answer('Work items by status');
    expect(rowsAsCounts(first.rows)).toEqual(countsBy(wi, (w) => w.status));
    const bugs = await answer('only bugs', first.conversationId);
    expect(bugs.columns[0]).toBe('status');
    expect(rowsAsCounts(bugs.rows)).toEqual(
      countsBy(
        wi.filter((w) => w.type === 'bug'),
        (w) => w.status,
      ),
    );
  });

  it('refuses a follow-up it cannot read fully, naming the words, and keeps the context', async () => {
    const first = await answer('How many open bugs?');
    const res = await ask('only the purple ones', first.conversationId);
    expect(res.status).toBe(422);
    expectErrorShape(res.body, 'CANNOT_ANSWER');
    expect(res.body.error.details.unrecognized).toEqual(['purple']);
    const after = await answer('and by priority?', first.conversationId);
    expect(rowsAsCounts(after.rows)).toEqual(
      countsBy(
        wi.filter((w) => w.type === 'bug' && open(w)),
        (w) => w.priority,
      ),
    );
  });

  it("another tenant's conversation is unknown (404); an unknown or malformed id is refused", async () => {
    const first = await answer('How many open bugs?');
    const other = await ask('only high priority ones', first.conversationId, b.apiKey);
    expect(other.status).toBe(404);
    expectErrorShape(other.body, 'NOT_FOUND');
    expect(JSON.stringify(other.body)).not.toContain('bug');

    const unknown = await ask('only high priority ones', '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'NOT_FOUND');

    for (const bad of ['abc', '', 42, "1' OR '1'='1"]) {
      const res = await t.request({
        method: 'POST',
        url: '/v1/ai/query',
        token: a.apiKey,
        body: { question: 'only high priority ones', conversationId: bad },
      });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
    }
  });

  it('the streaming endpoint continues a conversation too', async () => {
    const first = await answer('How many open bugs?');
    const res = await t.request({
      method: 'POST',
      url: '/v1/ai/query/stream',
      token: a.apiKey,
      body: { question: 'only high priority ones', conversationId: first.conversationId },
    });
    expect(res.status).toBe(200);
    const text = String(res.body);
    const data = /event: answer\ndata: (.*)\n/.exec(text);
    expect(data).not.toBeNull();
    const streamed = JSON.parse(data![1]);
    expect(streamed.conversationId).toBe(first.conversationId);
    expect(Number(streamed.rows[0][0])).toBe(
      wi.filter((w) => w.type === 'bug' && open(w) && w.priority === 'high').length,
    );
  });
});
