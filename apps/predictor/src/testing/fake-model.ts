import type { ModelOutput, ModelPort } from '../model/model.port';

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
  calls = 0;

  predict(inputs: readonly string[]): ModelOutput[] {
    this.calls += 1;
    return inputs.map((input) => {
      if (input === 'boom') throw new Error('the fake model was told to fail');
      const named = this.classes.find((c) => input.toLowerCase().includes(c));
      return named ? { label: named, confidence: 0.91234 } : { label: 'cat', confidence: 0.2 };
    });
  }
}
