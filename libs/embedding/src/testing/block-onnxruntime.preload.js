// Preloaded (node --require) into a model worker process by the fallback test: makes onnxruntime-node fail to
// load, as it would on a machine whose CPU or libc its prebuilt binaries do not support.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'onnxruntime-node')
    throw new Error('libonnxruntime.so.1: cannot open shared object file (test)');
  return resolve.call(this, request, ...rest);
};
