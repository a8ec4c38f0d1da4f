import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { SeededRandom } from '@app/common';

/**
 * Writes ONNX models of a BERT encoder with random weights, so the `transformers` adapter can be tested and
 * benchmarked without downloading weights: loading, the real tokenizer, batching, pooling and normalisation
 * run for real (meaning does not). Defaults are the all-MiniLM-L6-v2 architecture.
 */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
}

export const MINILM_L6_SHAPE: BertShape = {
  layers: 6,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocab: 30522,
  maxPositions: 512,
  typeVocab: 2,
};

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

// Hot loops use local bindings: under jest every global lookup (Math.*) goes through the sandbox's proxy and
// made generation 40 times slower.
const { abs, max, min, round } = Math;

/** Deterministic uniform weights in [-scale, scale] (mulberry32): fast, and the same model every run. */
function randomFloats(n: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const random = new SeededRandom(seed).next;
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private seq = 0;
  private seed = 1;

  name(prefix: string): string {
    return `${prefix}_${this.seq++}`;
  }

  node(op: string, inputs: string[], attrs: onnx.IAttributeProto[] = [], outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.name(op));
    this.nodes.push({
      opType: op,
      input: inputs,
      output: names,
      name: this.name(`n_${op}`),
      attribute: attrs,
    });
    return names;
  }

  op(op: string, inputs: string[], attrs: onnx.IAttributeProto[] = []): string {
    return this.node(op, inputs, attrs)[0];
  }

  tensor(prefix: string, dims: number[], dataType: onnx.TensorProto.DataType, bytes: Uint8Array): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dims, dataType, rawData: bytes });
    return name;
  }

  floats(prefix: string, dims: number[], values: Float32Array): string {
    return this.tensor(
      prefix,
      dims,
      DataType.FLOAT,
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
  }

  random(prefix: string, dims: number[], scale = 0.05): Float32Array {
    return randomFloats(
      dims.reduce((a, b) => a * b, 1),
      scale,
      this.seed++ * 7919,
    );
  }

  ints64(prefix: string, values: number[], dims = [values.length]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    return this.tensor(prefix, dims, DataType.INT64, new Uint8Array(data.buffer));
  }

  scalar(prefix: string, value: number): string {
    return this.floats(prefix, [], Float32Array.of(value));
  }
}

const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: AttributeType.INT, i });
const intsAttr = (name: string, ints: number[]): onnx.IAttributeProto => ({
  name,
  type: AttributeType.INTS,
  ints,
});
const floatAttr = (name: string, f: number): onnx.IAttributeProto => ({ name, type: AttributeType.FLOAT, f });

/** Symmetric per-tensor int8 quantisation, as ONNX Runtime's dynamic quantiser does for weights. */
function quantizeInt8(values: Float32Array): { q: Int8Array; scale: number } {
  let peak = 0;
  for (let i = 0; i < values.length; i++) peak = max(peak, abs(values[i]));
  const scale = peak / 127 || 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = max(-127, min(127, round(values[i] / scale)));
  return { q, scale };
}

/** Builds the encoder graph; `quantized` mirrors the layout of Xenova's `model_quantized.onnx` (int8 weights, dynamic activations). */
export function buildBertOnnx(shape: BertShape = MINILM_L6_SHAPE, quantized = true): Uint8Array {
  const g = new GraphBuilder();
  const { hidden, heads, intermediate } = shape;
  const headDim = hidden / heads;

  const weight = (prefix: string, rows: number, cols: number): ((x: string) => string) => {
    const w = g.random(prefix, [rows, cols]);
    if (!quantized) {
      const wName = g.floats(prefix, [rows, cols], w);
      return (x) => g.op('MatMul', [x, wName]);
    }
    const { q, scale } = quantizeInt8(w);
    const wName = g.tensor(prefix, [rows, cols], DataType.INT8, new Uint8Array(q.buffer));
    const wZero = g.tensor(`${prefix}_zp`, [], DataType.INT8, new Uint8Array(1));
    const wScale = g.scalar(`${prefix}_scale`, scale);
    return (x) => {
      const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], [], 3);
      const acc = g.op('MatMulInteger', [xq, wName, xZero, wZero]);
      const accF = g.op('Cast', [acc], [intAttr('to', DataType.FLOAT)]);
      return g.op('Mul', [accF, g.op('Mul', [xScale, wScale])]);
    };
  };
  const linear = (prefix: string, rows: number, cols: number): ((x: string) => string) => {
    const matmul = weight(prefix, rows, cols);
    const bias = g.floats(`${prefix}_b`, [cols], g.random(`${prefix}_b`, [cols], 0.02));
    return (x) => g.op('Add', [matmul(x), bias]);
  };
  const layerNorm = (prefix: string): ((x: string) => string) => {
    const gamma = g.floats(`${prefix}_g`, [hidden], new Float32Array(hidden).fill(1));
    const beta = g.floats(`${prefix}_b`, [hidden], new Float32Array(hidden));
    return (x) =>
      g.op('LayerNormalization', [x, gamma, beta], [intAttr('axis', -1), floatAttr('epsilon', 1e-12)]);
  };
  // Quantised tables are gathered first and dequantised after, as ONNX Runtime's quantiser does for Gather.
  const embed = (prefix: string, rows: number, ids: string): string => {
    const values = g.random(prefix, [rows, hidden], 0.5);
    if (!quantized) return g.op('Gather', [g.floats(prefix, [rows, hidden], values), ids]);
    const { q, scale } = quantizeInt8(values);
    const qName = g.tensor(prefix, [rows, hidden], DataType.INT8, new Uint8Array(q.buffer));
    const zero = g.tensor(`${prefix}_zp`, [], DataType.INT8, new Uint8Array(1));
    return g.op('DequantizeLinear', [g.op('Gather', [qName, ids]), g.scalar(`${prefix}_scale`, scale), zero]);
  };

  // Embeddings: word + position + token type, then LayerNorm.
  const words = embed('word_embeddings', shape.vocab, 'input_ids');
  const seqLen = g.op(
    'Gather',
    [g.op('Shape', ['input_ids']), g.ints64('one', [1], [])],
    [intAttr('axis', 0)],
  );
  const positionIds = g.op('Range', [g.ints64('zero', [0], []), seqLen, g.ints64('step', [1], [])]);
  const positions = embed('position_embeddings', shape.maxPositions, positionIds);
  const types = embed('token_type_embeddings', shape.typeVocab, 'token_type_ids');
  let h = layerNorm('emb_ln')(g.op('Add', [g.op('Add', [words, positions]), types]));

  // Additive attention mask: 0 where attended, -10000 on padding; shape [batch, 1, 1, seq].
  const maskF = g.op('Cast', ['attention_mask'], [intAttr('to', DataType.FLOAT)]);
  const mask4 = g.op('Unsqueeze', [maskF, g.ints64('mask_axes', [1, 2])]);
  const extMask = g.op('Mul', [g.op('Sub', [g.scalar('one_f', 1), mask4]), g.scalar('neg', -10000)]);

  const splitHeads = g.ints64('split_heads', [0, 0, heads, headDim]);
  const mergeHeads = g.ints64('merge_heads', [0, 0, hidden]);
  const scale = g.scalar('attn_scale', 1 / Math.sqrt(headDim));
  const sqrt2 = g.scalar('sqrt2', Math.SQRT2);
  const half = g.scalar('half', 0.5);
  const oneF = g.scalar('one_gelu', 1);

  for (let l = 0; l < shape.layers; l++) {
    const q = g.op('Reshape', [linear(`l${l}_q`, hidden, hidden)(h), splitHeads]);
    const k = g.op('Reshape', [linear(`l${l}_k`, hidden, hidden)(h), splitHeads]);
    const v = g.op('Reshape', [linear(`l${l}_v`, hidden, hidden)(h), splitHeads]);
    const qT = g.op('Transpose', [q], [intsAttr('perm', [0, 2, 1, 3])]);
    const kT = g.op('Transpose', [k], [intsAttr('perm', [0, 2, 3, 1])]);
    const vT = g.op('Transpose', [v], [intsAttr('perm', [0, 2, 1, 3])]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [qT, kT]), scale]), extMask]);
    const probs = g.op('Softmax', [scores], [intAttr('axis', -1)]);
    const context = g.op('Transpose', [g.op('MatMul', [probs, vT])], [intsAttr('perm', [0, 2, 1, 3])]);
    const attnOut = linear(`l${l}_o`, hidden, hidden)(g.op('Reshape', [context, mergeHeads]));
    const h1 = layerNorm(`l${l}_ln1`)(g.op('Add', [attnOut, h]));
    // GELU (erf form), spelled out because the Gelu operator needs opset 20.
    const up = linear(`l${l}_up`, hidden, intermediate)(h1);
    const erf = g.op('Erf', [g.op('Div', [up, sqrt2])]);
    const gelu = g.op('Mul', [g.op('Mul', [up, half]), g.op('Add', [erf, oneF])]);
    const down = linear(`l${l}_down`, intermediate, hidden)(gelu);
    h = layerNorm(`l${l}_ln2`)(g.op('Add', [down, h1]));
  }
  g.nodes.push({ opType: 'Identity', input: [h], output: ['last_hidden_state'], name: 'output' });

  const io = (name: string, elemType: onnx.TensorProto.DataType, dims: string[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'pulse-ai-test-fixture',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bert',
      node: g.nodes,
      initializer: g.initializers,
      input: ['input_ids', 'attention_mask', 'token_type_ids'].map((n) =>
        io(n, DataType.INT64, ['batch_size', 'sequence_length']),
      ),
      output: [
        {
          name: 'last_hidden_state',
          type: {
            tensorType: {
              elemType: DataType.FLOAT,
              shape: {
                dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: hidden }],
              },
            },
          },
        },
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Where the shared config/tokenizer of all-MiniLM-L6-v2 live: `../shared/models` beside the repository. */
export function sharedModelsDir(): string {
  return process.env.PULSE_SHARED_MODELS_DIR ?? path.resolve(__dirname, '../../../../../shared/models');
}

export interface GeneratedModelDir {
  /** Root to use as `EMBEDDING_MODEL_DIR` (holds `Xenova/all-MiniLM-L6-v2/`). */
  root: string;
  modelId: string;
  remove(): Promise<void>;
}

/**
 * Copies the real all-MiniLM-L6-v2 config and tokenizer into a temporary `<root>/Xenova/all-MiniLM-L6-v2/`
 * and writes a random-weight model beside them: `onnx/model_quantized.onnx` (dtype q8) or `onnx/model.onnx` (fp32).
 */
export async function prepareMiniLmModelDir(dtype: 'q8' | 'fp32' = 'q8'): Promise<GeneratedModelDir> {
  const source = path.join(sharedModelsDir(), 'all-MiniLM-L6-v2');
  if (!existsSync(path.join(source, 'tokenizer.json'))) {
    throw new Error(`all-MiniLM-L6-v2 tokenizer not found in ${source} (set PULSE_SHARED_MODELS_DIR)`);
  }
  const modelId = 'Xenova/all-MiniLM-L6-v2';
  const root = await mkdtemp(path.join(tmpdir(), 'pulse-minilm-'));
  const dir = path.join(root, modelId);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  // Contents only: the shared folder is read-only and its modes must not follow the copy.
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (entry.isFile())
      await writeFile(path.join(dir, entry.name), await readFile(path.join(source, entry.name)));
  }
  const file = dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx';
  await writeFile(path.join(dir, 'onnx', file), buildBertOnnx(MINILM_L6_SHAPE, dtype === 'q8'));
  return { root, modelId, remove: () => rm(root, { recursive: true, force: true }) };
}
