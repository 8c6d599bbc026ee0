const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest's node environment, with the process's own typed-array constructors.
 *
 * onnxruntime-node checks a tensor's data with `instanceof Float32Array` (and
 * the like) against the constructors of the realm it was loaded in, while a
 * spec's arrays come from jest's sandbox realm: without this, a session run
 * in a spec (the reference the served outputs are compared with) refuses its
 * own outputs. Workers are unaffected: they run outside jest's sandbox.
 */
class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'Float16Array',
      'Float32Array',
      'Float64Array',
      'Int8Array',
      'Int16Array',
      'Int32Array',
      'BigInt64Array',
      'Uint8Array',
      'Uint16Array',
      'Uint32Array',
      'BigUint64Array',
      'ArrayBuffer',
    ]) {
      if (globalThis[name]) this.global[name] = globalThis[name];
    }
  }
}

module.exports = SharedTypedArraysEnvironment;
