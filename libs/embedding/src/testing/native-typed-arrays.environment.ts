import NodeEnvironment from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/**
 * Jest's node environment for tests that load onnxruntime-node. Jest runs tests in a separate realm whose
 * typed-array constructors differ from Node's, so ONNX Runtime's `data instanceof Float32Array` check rejects
 * the arrays its native binding returns ("A float32 tensor's data must be type of function Float32Array()").
 * Sharing the main realm's constructors makes both sides agree.
 */
export default class NativeTypedArraysEnvironment extends NodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const shared = {
      ArrayBuffer,
      SharedArrayBuffer,
      DataView,
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
    };
    Object.assign(this.global, shared);
  }
}
