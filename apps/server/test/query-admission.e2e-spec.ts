import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { llmIntegration } from '@app/ai/query/testing/query-test-kit';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';

/**
 * A tenant's questions wait for a fair-share slot only for the work a cached answer does not need: with one
 * slot per tenant held by a question waiting on the model, the tenant's cached answers still come at once,
 * and its next question that needs work waits its turn.
 */
describe('fair-share admission of questions (one slot per tenant)', () => {
  let t: QueryTestApp;
  let llm: OpenAiTestServer;
  let openGate: () => void = () => undefined;
  let modelCalls = 0;

  beforeAll(async () => {
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    llm = await startOpenAiTestServer({
      chat: async () => {
        modelCalls++;
        await gate;
        return JSON.stringify({ sql: 'SELECT count(*) AS n FROM pull_requests' });
      },
    });
    t = await startQueryTestApp({ CONCURRENCY_PER_TENANT: '1', LLM_MAX_RETRIES: '0' });
  }, 120_000);

  afterAll(async () => {
    openGate();
    await t?.close();
    await llm?.close();
  });

  it('serves cached answers while the only slot waits on the model; work waits for the slot', async () => {
    const a = await t.createTenant();
    await t.seedFixture([a], { seed: 7, size: { workItems: 120, pullRequests: 80, deployments: 40 } });
    const put = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: a.apiKey,
      body: llmIntegration({ baseUrl: llm.url, inputCostPer1k: 0.001, outputCostPer1k: 0.002 }),
    });
    expect(put.status).toBe(200);
    const first = await t.ask(a.apiKey, 'How many open bugs are there?');
    expect(first.status).toBe(200);
    expect(first.body.route).toBe('simple');

    // Holds the tenant's one slot until the gate opens.
    const slow = t.ask(a.apiKey, 'Which reviewers approve the most pull requests written by new joiners?');
    while (modelCalls === 0) await new Promise((r) => setTimeout(r, 20));

    const cached = await t.ask(a.apiKey, 'how many open bugs are there');
    expect(cached.status).toBe(200);
    expect(cached.body).toMatchObject({ route: 'cached', rows: first.body.rows });

    let workDone = false;
    const work = t.ask(a.apiKey, 'How many deployments failed?').then((res) => {
      workDone = true;
      return res;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(workDone).toBe(false);

    openGate();
    const [slowRes, workRes] = await Promise.all([slow, work]);
    expect(slowRes.status).toBe(200);
    expect(slowRes.body.route).toBe('complex');
    expect(workRes.status).toBe(200);
    expect(workRes.body.route).toBe('simple');
  }, 120_000);
});
