import { OIP_DATATYPES } from '@ml-system/server-core';
import { OIP_TO_ORT } from './tensors';

describe('OIP datatypes', () => {
  it('are the ones both OpenAPI documents name: every one the predictor maps to ONNX Runtime', () => {
    expect(Object.keys(OIP_TO_ORT).sort()).toEqual([...OIP_DATATYPES].sort());
  });
});
