import { EmbeddingBatcher } from './embedding-batcher';
import { CountingProvider } from './testing/counting-provider.fixture';

const text = (i: number) => `work item ${i}: checkout latency regression`;

describe('EmbeddingBatcher', () => {
  it('coalesces concurrent single-text callers into full batches and gives each caller its own vector', async () => {
    const provider = new CountingProvider(8);
    const batcher = new EmbeddingBatcher(provider, 8, 5);

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.submit([text(i)])[0]));

    expect(provider.batches.map((b) => b.length)).toEqual([8, 8, 4]);
    results.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(CountingProvider.vectorOf(text(i)))));
  });

  it('keeps each caller’s order when callers’ texts are interleaved in one batch', async () => {
    const provider = new CountingProvider(32);
    const batcher = new EmbeddingBatcher(provider, 32, 5);
    const a = ['a1', 'a2', 'a3'];
    const b = ['b1', 'b2'];

    const [ra, rb] = await Promise.all([Promise.all(batcher.submit(a)), Promise.all(batcher.submit(b))]);

    expect(provider.batches).toEqual([[...a, ...b]]);
    expect(ra.map((v) => Array.from(v))).toEqual(a.map((t) => Array.from(CountingProvider.vectorOf(t))));
    expect(rb.map((v) => Array.from(v))).toEqual(b.map((t) => Array.from(CountingProvider.vectorOf(t))));
  });

  it('queues texts while the model is busy and sends them together when it frees up', async () => {
    const provider = new CountingProvider(32);
    const batcher = new EmbeddingBatcher(provider, 32, 5);
    provider.hold();
    const first = batcher.submit(['first']);
    await new Promise((r) => setImmediate(r));
    const later = Array.from({ length: 10 }, (_, i) => batcher.submit([text(i)])[0]);
    expect(provider.batches).toEqual([['first']]);

    provider.release();
    await Promise.all([...first, ...later]);

    expect(provider.batches.map((b) => b.length)).toEqual([1, 10]);
  });

  it('does not hold a lone caller for the wait window when the model is idle', async () => {
    const provider = new CountingProvider(8);
    // A wait longer than the test timeout: the call only completes if an idle model starts at once.
    const batcher = new EmbeddingBatcher(provider, 8, 10 * 60_000);

    const [v] = await Promise.all(batcher.submit(['alone']));

    expect(Array.from(v)).toEqual(Array.from(CountingProvider.vectorOf('alone')));
  });

  it('splits one large request into batches of at most maxBatch, in order', async () => {
    const provider = new CountingProvider(8);
    const batcher = new EmbeddingBatcher(provider, 8, 5);
    const texts = Array.from({ length: 19 }, (_, i) => text(i));

    const vectors = await Promise.all(batcher.submit(texts));

    expect(provider.batches.map((b) => b.length)).toEqual([8, 8, 3]);
    expect(provider.batches.flat()).toEqual(texts);
    vectors.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(CountingProvider.vectorOf(texts[i]))));
  });

  it('fails only the callers of a failed batch; the next batch succeeds', async () => {
    const provider = new CountingProvider(2);
    const batcher = new EmbeddingBatcher(provider, 2, 5);
    provider.failures = [new Error('model crashed')];

    const results = await Promise.allSettled(batcher.submit(['x1', 'x2', 'y1', 'y2']));

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('model crashed'));
  });

  it('runs up to `concurrency` batches at once for a remote provider', async () => {
    const provider = new CountingProvider(2, 1000, 3);
    const batcher = new EmbeddingBatcher(provider, 2, 5);
    provider.hold();

    const pending = batcher.submit(Array.from({ length: 8 }, (_, i) => text(i)));
    await new Promise((r) => setImmediate(r));
    expect(provider.batches).toHaveLength(3);
    expect(batcher.queued).toBe(2);

    provider.release();
    await Promise.all(pending);
    expect(provider.batches.map((b) => b.length)).toEqual([2, 2, 2, 2]);
  });

  it('reports each batch with its size and outcome', async () => {
    const provider = new CountingProvider(4);
    const reports: { size: number; ok: boolean }[] = [];
    const batcher = new EmbeddingBatcher(provider, 4, 5, ({ size, ok }) => reports.push({ size, ok }));
    provider.failures = [new Error('boom')];

    await Promise.allSettled(batcher.submit(['1', '2', '3', '4', '5']));

    expect(reports).toEqual([
      { size: 4, ok: false },
      { size: 1, ok: true },
    ]);
  });

  it("serves submitters in turn: one caller's backlog does not hold another's text for many batches", async () => {
    const provider = new CountingProvider(4);
    const batcher = new EmbeddingBatcher(provider, 4, 0);

    const backlog = batcher.submit(
      Array.from({ length: 40 }, (_, i) => `a ${i}`),
      { lane: 'tenant-a', priority: 'background' },
    );
    const [late] = batcher.submit(['b 0', 'b 1'], { lane: 'tenant-b', priority: 'background' });
    await Promise.all([...backlog, late]);

    // A's first full batch left before B arrived; B rides in the next one, not after A's nine others.
    expect(provider.batches.findIndex((b) => b.includes('b 0'))).toBe(1);
    expect(provider.batches[1]).toEqual(['a 4', 'b 0', 'a 5', 'b 1']);
    // A's own texts keep their order.
    const aOrder = provider.batches.flat().filter((t) => t.startsWith('a '));
    expect(aOrder).toEqual(Array.from({ length: 40 }, (_, i) => `a ${i}`));
  });

  it("serves a search's text before any queued background batch, alone in its batch", async () => {
    const provider = new CountingProvider(4);
    const batcher = new EmbeddingBatcher(provider, 4, 0);
    provider.hold();
    const backfill = batcher.submit(
      Array.from({ length: 40 }, (_, i) => `a ${i}`),
      { lane: 'tenant-a', priority: 'background' },
    );
    await new Promise((r) => setImmediate(r));
    // While A's first background batch runs, another tenant searches.
    const [search] = batcher.submit(['b search'], { lane: 'tenant-b' });

    provider.release();
    await Promise.all([...backfill, search]);

    // Next batch after the one already running, and not padded with A's long texts.
    expect(provider.batches[1]).toEqual(['b search']);
    expect(provider.batches.flat().filter((t) => t.startsWith('a '))).toEqual(
      Array.from({ length: 40 }, (_, i) => `a ${i}`),
    );
  });

  it("gives background lanes to tenants in turn: B's trickle is not queued behind A's backfill", async () => {
    const provider = new CountingProvider(4);
    const batcher = new EmbeddingBatcher(provider, 4, 0);
    provider.hold();
    const a = batcher.submit(
      Array.from({ length: 40 }, (_, i) => `a ${i}`),
      { lane: 'tenant-a', priority: 'background' },
    );
    await new Promise((r) => setImmediate(r));
    const b = batcher.submit(['b 0', 'b 1', 'b 2', 'b 3'], { lane: 'tenant-b', priority: 'background' });
    const [question] = batcher.submit(['c question'], { lane: 'tenant-c' });

    provider.release();
    await Promise.all([...a, ...b, question]);

    expect(provider.batches.slice(0, 5)).toEqual([
      ['a 0', 'a 1', 'a 2', 'a 3'],
      ['c question'],
      ['a 4', 'b 0', 'a 5', 'b 1'],
      ['a 6', 'b 2', 'a 7', 'b 3'],
      ['a 8', 'a 9', 'a 10', 'a 11'],
    ]);
  });

  it("stops a batch at the provider's character budget, but always sends at least one text", async () => {
    const provider = new CountingProvider(32);
    provider.maxBatchChars = 25;
    const batcher = new EmbeddingBatcher(provider, 32, 0);
    const texts = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10), 'd'.repeat(40), 'e'.repeat(5)];

    await Promise.all(batcher.submit(texts, { priority: 'background' }));

    expect(provider.batches.map((b) => b.map((t) => t[0]).join(''))).toEqual(['ab', 'c', 'd', 'e']);
  });
});
