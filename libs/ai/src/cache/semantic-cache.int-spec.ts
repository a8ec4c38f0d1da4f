import { AppConfig } from '@app/config';
import { BundledUseAdapter } from '@app/embedding';
import { SemanticModelService, QuestionPlannerService } from '../semantic';
import { FIXTURE_NOW } from '../semantic/testing/fixtures';
import { fingerprintOf, reusable } from './answer-cache.service';
import type { QuestionFingerprint } from './cache.types';
import { PARAPHRASE_PAIRS } from './testing/paraphrase-pairs';

interface Scored {
  same: boolean;
  cosine: number;
  a: QuestionFingerprint;
  b: QuestionFingerprint;
  text: string;
}

const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const rate = (n: number, of: number) => (of === 0 ? 0 : n / of);

/**
 * Measures the semantic answer cache on labelled paraphrase / look-alike pairs with the real embedding model and
 * planner: the false-hit rate (a look-alike served another question's answer) next to the hit rate, for the
 * embedding alone and for the cache's actual decision, across thresholds. The configured threshold must make no
 * false hit on this set.
 */
describe('semantic cache: false hits on labelled question pairs', () => {
  const config = new AppConfig();
  const models = new SemanticModelService(config);
  const planner = new QuestionPlannerService(models, config);
  const model = new BundledUseAdapter();
  const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
  const knownValues = {
    assignee: people,
    author: people,
    reviewers: people,
    reporter: people,
    repository: ['payments-api', 'web-app', 'infra'],
    service: ['payments-api', 'web-app', 'auth-service'],
    project: ['PAY', 'WEB', 'OPS'],
  };
  let scored: Scored[];

  beforeAll(async () => {
    const texts = [...new Set(PARAPHRASE_PAIRS.flatMap((p) => [p.a, p.b]))];
    const vectors = new Map((await model.embed(texts)).map((v, i) => [texts[i], v]));
    const fp = async (q: string) =>
      fingerprintOf(q, await planner.plan(q, { now: FIXTURE_NOW, knownValues }));
    scored = [];
    for (const p of PARAPHRASE_PAIRS) {
      const [va, vb] = [vectors.get(p.a)!, vectors.get(p.b)!];
      let cosine = 0;
      for (let i = 0; i < va.length; i++) cosine += va[i] * vb[i];
      scored.push({ same: p.same, cosine, a: await fp(p.a), b: await fp(p.b), text: `${p.a} | ${p.b}` });
    }
  }, 120_000);

  afterAll(() => model.close());

  function measure(decide: (s: Scored) => boolean) {
    const same = scored.filter((s) => s.same);
    const diff = scored.filter((s) => !s.same);
    return {
      hitRate: rate(same.filter(decide).length, same.length),
      falseHitRate: rate(diff.filter(decide).length, diff.length),
      falseHits: diff.filter(decide).map((s) => s.text),
    };
  }

  it('has a balanced labelled set of about 40 pairs', () => {
    expect(PARAPHRASE_PAIRS.length).toBeGreaterThanOrEqual(40);
    const same = PARAPHRASE_PAIRS.filter((p) => p.same).length;
    expect(same).toBeGreaterThanOrEqual(15);
    expect(PARAPHRASE_PAIRS.length - same).toBeGreaterThanOrEqual(15);
  });

  it('makes no false hit at the configured threshold, where the embedding alone would make many', () => {
    const lines = THRESHOLDS.map((t) => {
      const alone = measure((s) => s.cosine >= t);
      const cache = measure((s) => reusable(s.a, s.b, s.cosine, t));
      const f = (n: number) => n.toFixed(2).padStart(6);
      return `${t.toFixed(2)}  | ${f(alone.hitRate)} ${f(alone.falseHitRate)}  | ${f(cache.hitRate)} ${f(cache.falseHitRate)}`;
    });
    // The measurement SEMANTIC_CACHE_THRESHOLD was chosen from, printed for the record.
    console.log(
      [
        `semantic cache on ${PARAPHRASE_PAIRS.length} labelled pairs (hit rate on paraphrases, false-hit rate on look-alikes)`,
        'cosine | embedding alone  | cache decision (plan / embedding + fingerprint)',
        ...lines,
      ].join('\n'),
    );

    const threshold = config.query.semanticCacheThreshold;
    const atConfigured = measure((s) => reusable(s.a, s.b, s.cosine, threshold));
    expect(atConfigured.falseHits).toEqual([]);
    expect(atConfigured.hitRate).toBeGreaterThanOrEqual(0.8);
    // Without the fingerprint the same threshold would serve look-alikes ("last week" for "last month").
    expect(measure((s) => s.cosine >= threshold).falseHitRate).toBeGreaterThan(0.2);
  });

  it('the lowest threshold with no false hit leaves a margin below the configured one', () => {
    const safe = THRESHOLDS.find((t) =>
      THRESHOLDS.filter((u) => u >= t).every(
        (u) => measure((s) => reusable(s.a, s.b, s.cosine, u)).falseHitRate === 0,
      ),
    );
    expect(safe).toBeDefined();
    expect(config.query.semanticCacheThreshold).toBeGreaterThanOrEqual(safe! + 0.05 - 1e-9);
  });
});
