import type { EmbeddingProvider } from '../ports/embedding-provider.port';
import { cosineSimilarity } from '../vector-math';

export interface ContractOptions {
  /** Expected vector length, when the adapter's model fixes it. */
  dimensions?: number;
  /** Whether the model is a function of the text alone, so one text in a batch equals the same text alone. */
  batchInvariant?: boolean;
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

/**
 * The behaviour every EmbeddingProvider adapter owes its callers. `setup` returns a fresh, initialised
 * provider and a teardown; the suite runs inside the caller's `describe`.
 */
export function embeddingProviderContract(
  setup: () => Promise<{ provider: EmbeddingProvider; teardown?: () => Promise<void> }>,
  options: ContractOptions = {},
): void {
  let provider: EmbeddingProvider;
  let teardown: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ provider, teardown } = await setup());
    await provider.init();
  });

  afterAll(async () => {
    await provider?.close();
    await teardown?.();
  });

  const texts = [
    'Checkout service returns 500 after the payments deploy',
    'Refactor the login form validation',
    'Sprint 42 velocity dropped by a third',
  ];

  it('is ready after init, with a stable model id and positive limits', () => {
    expect(provider.ready).toBe(true);
    expect(provider.model).toMatch(/\S/);
    expect(provider.maxBatch).toBeGreaterThan(0);
    expect(provider.maxInputChars).toBeGreaterThan(0);
    expect(provider.concurrency).toBeGreaterThan(0);
    if (options.dimensions) expect(provider.dimensions).toBe(options.dimensions);
    else expect(provider.dimensions).toBeGreaterThan(0);
  });

  it('returns one unit-length float32 vector of the model dimensions per text', async () => {
    const vectors = await provider.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(provider.dimensions);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  it('keeps input order and gives the same text the same vector', async () => {
    const [a, b, c] = await provider.embed(texts);
    const [c2, a2, b2] = await provider.embed([texts[2], texts[0], texts[1]]);
    expect(cosineSimilarity(a, a2)).toBeGreaterThan(0.999);
    expect(cosineSimilarity(b, b2)).toBeGreaterThan(0.999);
    expect(cosineSimilarity(c, c2)).toBeGreaterThan(0.999);
    expect(cosineSimilarity(a, b)).toBeLessThan(0.999);
  });

  if (options.batchInvariant ?? true) {
    it('embeds a text the same alone as inside a batch of longer texts', async () => {
      const [alone] = await provider.embed([texts[1]]);
      const inBatch = await provider.embed([texts[0], texts[1], `${texts[2]} ${texts[2]} ${texts[2]}`]);
      expect(cosineSimilarity(alone, inBatch[1])).toBeGreaterThan(0.999);
    });
  }

  it('answers an empty list with an empty list', async () => {
    await expect(provider.embed([])).resolves.toEqual([]);
  });
}
