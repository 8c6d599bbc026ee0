import type { ModelOutput, ModelPort, TensorSpec } from '../model/model.port';
import type { Tensor } from '../model/tensors';

/**
 * A deterministic stand-in for the trained model, for specs about the service
 * and the transport: it picks the first class named in the text, else the
 * first class with a uniform confidence, and throws on the text "boom".
 */
export class FakeModel implements ModelPort {
  readonly name = 'fake-model';
  readonly version = '0.0.1';
  readonly classes = ['cat', 'dog', 'bird', 'fish', 'rabbit'];
  readonly metadata = { kind: 'fake' };
  readonly platform = 'fake';
  readonly inputs: readonly TensorSpec[] = [];
  readonly outputs: readonly TensorSpec[] = [];
  calls = 0;

  predict(inputs: readonly string[]): Promise<ModelOutput[]> {
    this.calls += 1;
    if (inputs.includes('boom'))
      return Promise.reject(new Error('the fake model was told to fail'));
    return Promise.resolve(
      inputs.map((input) => {
        const named = this.classes.find((c) => input.toLowerCase().includes(c));
        return named ? { label: named, confidence: 0.91234 } : { label: 'cat', confidence: 0.2 };
      }),
    );
  }

  infer(): Promise<Tensor[]> {
    return Promise.reject(new Error('the fake model takes no tensors'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
