import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface PackageEncoding {
  /** The package encoder's ids for each text. */
  ids: number[][];
  /** Best-of-three milliseconds to encode the first 1,000 texts, package encoder and ours, timed in the same process. */
  packageMs: number;
  oursMs: number;
}

/**
 * Runs the `@energetic-ai/embeddings` encoder in a plain Node process: importing the package inside jest's
 * sandbox trips TensorFlow.js's global set-up, and timing there would measure jest's sandbox, not the code.
 */
export function encodeWithPackage(texts: string[]): PackageEncoding {
  const tokenizerFile = path.join(__dirname, '..', 'use-lite', 'use-lite-tokenizer.ts');
  const script = `
    const { EmbeddingsModel } = require('@energetic-ai/embeddings');
    const { UseLiteTokenizer, loadUseLiteVocabulary } = require(${JSON.stringify(tokenizerFile)});
    const texts = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const timed = texts.slice(0, 1000);
    const vocabulary = loadUseLiteVocabulary();
    const reference = new EmbeddingsModel({ vocabulary, model: null }).tokenizer;
    const ours = new UseLiteTokenizer(vocabulary);
    const time = (encode) => { const t = performance.now(); for (const x of timed) encode(x); return performance.now() - t; };
    let packageMs = Infinity, oursMs = Infinity;
    for (let i = 0; i < 3; i++) {
      packageMs = Math.min(packageMs, time((x) => reference.encode(x)));
      oursMs = Math.min(oursMs, time((x) => ours.encode(x)));
    }
    process.stdout.write(JSON.stringify({ ids: texts.map((x) => reference.encode(x)), packageMs, oursMs }));
  `;
  const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    input: JSON.stringify(texts),
    maxBuffer: 256 * 1024 * 1024,
    cwd: path.join(__dirname, '..', '..', '..', '..'),
  });
  return JSON.parse(out.toString('utf8')) as PackageEncoding;
}
