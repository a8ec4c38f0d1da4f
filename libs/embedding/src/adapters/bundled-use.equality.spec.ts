import { variedTexts } from '../testing/varied-texts';
import { cosineSimilarity } from '../vector-math';
import { BundledUseAdapter } from './bundled-use.adapter';

/**
 * The native model against the package's TF.js graph (the reference), fed the same token ids. Reference
 * vectors are computed here, not stored, so the check cannot go stale; TF.js embeds ~70 short texts/s, so the
 * 1,000-text check uses texts of 1–12 words, and 16 long (~100–130 word) texts cover the 128-token clip.
 */
describe('BundledUseAdapter: native vectors equal the TF.js reference', () => {
  const native = new BundledUseAdapter({ runtime: 'onnx' });
  const exact = new BundledUseAdapter({ runtime: 'onnx', precision: 'fp32' });
  const reference = new BundledUseAdapter({ runtime: 'tfjs' });
  const short = variedTexts(1000, { seed: 21, maxWords: 12, colons: true });
  const long = variedTexts(16, { seed: 22, minWords: 100, maxWords: 130 });
  const texts = [...short, ...long];
  let expected: Float32Array[] = [];

  async function embedAll(adapter: BundledUseAdapter): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += adapter.maxBatch) {
      out.push(...(await adapter.embed(texts.slice(i, i + adapter.maxBatch))));
    }
    return out;
  }

  function worst(actual: Float32Array[]): { cosine: number; text: string } {
    let at = 0;
    let cosine = 1;
    actual.forEach((v, i) => {
      const c = cosineSimilarity(v, expected[i]);
      if (c < cosine) [cosine, at] = [c, i];
    });
    return { cosine, text: texts[at] };
  }

  beforeAll(async () => {
    expected = await embedAll(reference);
  }, 120_000);

  afterAll(() => Promise.all([native.close(), exact.close(), reference.close()]));

  it('runs on ONNX Runtime here, and the reference on TF.js', async () => {
    await Promise.all([native.init(), exact.init()]);

    expect([native.runtime, exact.runtime, reference.runtime]).toEqual(['onnx', 'onnx', 'tfjs']);
  });

  it('int8 model (the default): cosine ≥ 0.999 on every one of 1,016 texts', async () => {
    const result = worst(await embedAll(native));

    expect(result).toEqual({ cosine: expect.any(Number), text: expect.any(String) });
    expect(result.cosine).toBeGreaterThanOrEqual(0.999);
  });

  it('float model: cosine ≥ 0.99999 (the graph itself is the same network)', async () => {
    expect(worst(await embedAll(exact)).cosine).toBeGreaterThanOrEqual(0.99999);
  });

  it('a text gets the same vector alone as in a padded batch with longer texts', async () => {
    const alone = await native.embed([short[0]]);
    const together = await native.embed([long[0], short[0], long[1]]);

    expect(cosineSimilarity(alone[0], together[1])).toBeGreaterThan(0.99999);
  });
});
