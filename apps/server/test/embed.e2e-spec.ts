import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

describe('POST /v1/ai/embed', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.createTenant()).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns one unit-length vector per text, in order, with the model id', async () => {
    const texts = [
      'Checkout fails with a 504',
      'Deploy payments-api to production',
      'Checkout fails with a 504',
    ];
    const res = await t.request({ method: 'POST', url: '/v1/ai/embed', token: key, body: { texts } });
    expect(res.status).toBe(200);
    expect(res.body.model).toBe('use-lite-512-v2');
    expect(res.body.dimensions).toBe(512);
    expect(res.body.embeddings).toHaveLength(3);
    for (const v of res.body.embeddings as number[][]) {
      expect(v).toHaveLength(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    expect(res.body.embeddings[0]).toEqual(res.body.embeddings[2]);
    expect(res.body.embeddings[0]).not.toEqual(res.body.embeddings[1]);
  });

  it('needs a tenant key', async () => {
    expect((await t.request({ method: 'POST', url: '/v1/ai/embed', body: { texts: ['x'] } })).status).toBe(
      401,
    );
  });

  it.each([
    ['no texts', { texts: [] }],
    ['too many texts', { texts: Array.from({ length: 257 }, (_, i) => `text ${i}`) }],
    ['an empty text', { texts: ['ok', ''] }],
    ['a non-string text', { texts: ['ok', 42] }],
    ['texts missing', {}],
  ])('rejects %s with 400', async (_name, body) => {
    const res = await t.request({ method: 'POST', url: '/v1/ai/embed', token: key, body });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_FAILED');
  });
});
