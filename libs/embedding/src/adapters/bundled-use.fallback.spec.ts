import { Logger } from '@nestjs/common';
import path from 'node:path';
import { cosineSimilarity } from '../vector-math';
import { BundledUseAdapter } from './bundled-use.adapter';

// Environment added to the model's worker process (jest's process.env is a copy the real fork never sees).
const mockForkEnv: Record<string, string> = {};
jest.mock('node:child_process', () => {
  const actual = jest.requireActual<typeof import('node:child_process')>('node:child_process');
  return {
    ...actual,
    fork: (file: string, args: string[], options: import('node:child_process').ForkOptions) =>
      actual.fork(file, args, { ...options, env: { ...process.env, ...mockForkEnv } }),
  };
});

describe('BundledUseAdapter when the native runtime cannot load', () => {
  const preload = path.join(__dirname, '..', 'testing', 'block-onnxruntime.preload.js');
  const warnings: string[] = [];
  let fallback: BundledUseAdapter;
  const native = new BundledUseAdapter({ runtime: 'onnx' });

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    fallback = new BundledUseAdapter();
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all([fallback.close(), native.close()]);
  });

  it('falls back to TF.js, says so once in the log, and gives the same vectors under the same model id', async () => {
    // This worker process starts with onnxruntime-node unloadable; the native one below starts normally.
    mockForkEnv.NODE_OPTIONS = `--require ${preload}`;
    await fallback.init();
    delete mockForkEnv.NODE_OPTIONS;
    const texts = ['Checkout fails after the deploy', 'Sprint velocity dropped', 'Meeting at 10:30'];
    const [slow, fast] = await Promise.all([fallback.embed(texts), native.embed(texts)]);

    expect(fallback.runtime).toBe('tfjs');
    expect(native.runtime).toBe('onnx');
    expect(fallback.model).toBe(native.model);
    expect(warnings).toEqual([
      expect.stringMatching(/native runtime \(onnxruntime-node\) could not load.*TF\.js/),
    ]);
    slow.forEach((v, i) => expect(cosineSimilarity(v, fast[i])).toBeGreaterThan(0.999));
  });
});
