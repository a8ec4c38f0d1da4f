import { embeddingProviderContract } from '../testing/embedding-provider.contract';
import { MEANING_TRIPLES } from '../testing/meaning-triples';
import { cosineSimilarity } from '../vector-math';
import { BundledUseAdapter } from './bundled-use.adapter';

describe('BundledUseAdapter', () => {
  describe('contract', () => {
    embeddingProviderContract(() => Promise.resolve({ provider: new BundledUseAdapter() }), {
      dimensions: 512,
    });
  });

  describe('threading', () => {
    const adapter = new BundledUseAdapter();

    afterAll(() => adapter.close());

    it('keeps the event loop serving while a batch is embedded', async () => {
      await adapter.init();
      const long = Array.from({ length: 32 }, (_, i) => `${MEANING_TRIPLES[i % 24][0]} `.repeat(6));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const done = adapter.embed(long).finally(() => clearInterval(timer));
      // Measured in timer ticks against the batch's own duration: on the main thread there were none.
      const started = performance.now();
      await done;
      const elapsed = performance.now() - started;

      expect(elapsed).toBeGreaterThan(50);
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
    });

    it('reloads after close, failing nothing but the calls that were in flight', async () => {
      await adapter.init();
      const inFlight = adapter.embed(['closing while this runs']);
      await adapter.close();

      await expect(inFlight).rejects.toThrow('was closed');
      expect(adapter.ready).toBe(false);
      await expect(adapter.embed(['after a restart'])).resolves.toHaveLength(1);
      expect(adapter.ready).toBe(true);
    });
  });

  describe('meaning', () => {
    const adapter = new BundledUseAdapter();

    afterAll(() => adapter.close());

    it('places a paraphrase closer to its anchor than an unrelated text in at least 90% of 24 triples', async () => {
      const vectors = await adapter.embed(MEANING_TRIPLES.flat());
      const outcomes = MEANING_TRIPLES.map(([anchor], t) => {
        const [a, p, u] = vectors.slice(t * 3, t * 3 + 3);
        return { anchor, paraphrase: cosineSimilarity(a, p), unrelated: cosineSimilarity(a, u) };
      });
      const misses = outcomes.filter((o) => o.paraphrase <= o.unrelated);

      expect(MEANING_TRIPLES.length).toBeGreaterThanOrEqual(20);
      // Printed on failure: which triples the model got wrong.
      expect({ rate: 1 - misses.length / outcomes.length >= 0.9, misses }).toEqual({
        rate: true,
        misses: expect.any(Array),
      });
    });
  });
});
