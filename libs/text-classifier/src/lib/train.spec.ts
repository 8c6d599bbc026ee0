import { MINI_BACKGROUND, MINI_CLASSES, MINI_TRAIN, trainMini } from '../testing/mini-corpus';
import { ARTIFACT_FORMAT } from './artifact';
import { TextClassifier } from './classifier';
import { trainNaiveBayes } from './train';
import type { TrainOptions } from './train';

const base: TrainOptions = {
  name: 'mini-nb',
  version: '0.1.0',
  trainedAt: '2025-01-01T00:00:00Z',
  corpusSha256: 'a'.repeat(64),
  classes: MINI_CLASSES,
  background: MINI_BACKGROUND,
};

describe('trainNaiveBayes', () => {
  it('is deterministic: training twice gives the identical JSON string', () => {
    expect(JSON.stringify(trainMini())).toBe(JSON.stringify(trainMini()));
  });

  it('records the caller-supplied timestamp and nothing from the clock', () => {
    const a = trainMini({ trainedAt: '2024-05-06T07:08:09Z' });
    const b = trainMini({ trainedAt: '2030-01-01T00:00:00+02:00' });
    expect(a.trainedAt).toBe('2024-05-06T07:08:09Z');
    expect(JSON.stringify({ ...a, trainedAt: '' })).toBe(JSON.stringify({ ...b, trainedAt: '' }));
  });

  it('writes a complete, loadable artifact', () => {
    const artifact = trainMini();
    expect(artifact.format).toBe(ARTIFACT_FORMAT);
    expect(artifact.classes).toEqual([...MINI_CLASSES]);
    expect(artifact.corpus).toEqual({
      sha256: 'a'.repeat(64),
      trainExamples: MINI_TRAIN.length,
      heldoutExamples: 5,
      backgroundExamples: MINI_BACKGROUND.length,
    });
    expect(artifact.model.rows).toBe(MINI_CLASSES.length + 1);
    expect(artifact.model.background).toBe(true);
    expect(artifact.calibration.temperature).toBeGreaterThan(0);
    expect(artifact.metrics.crossValidation.folds).toBe(5);
    expect(artifact.metrics.heldout?.examples).toBe(5);
    expect(Object.keys(artifact.metrics.heldout?.perClass ?? {})).toEqual([...MINI_CLASSES]);
    // A JSON round trip must not change anything (no undefined, no NaN, no typed arrays).
    expect(JSON.parse(JSON.stringify(artifact))).toEqual(artifact);
    expect(() => TextClassifier.fromArtifact(JSON.parse(JSON.stringify(artifact)))).not.toThrow();
  });

  it('defaults the class order to first appearance and works without background', () => {
    const artifact = trainNaiveBayes(MINI_TRAIN, {
      ...base,
      classes: undefined,
      background: undefined,
    });
    expect(artifact.classes).toEqual([...MINI_CLASSES]);
    expect(artifact.model.rows).toBe(MINI_CLASSES.length);
    expect(artifact.model.background).toBe(false);
    expect(artifact.metrics.heldout).toBeNull();
  });

  it.each<[Partial<TrainOptions>, RegExp]>([
    [{ name: '' }, /name/],
    [{ version: 'v1' }, /semver/],
    [{ trainedAt: 'yesterday' }, /trainedAt/],
    [{ corpusSha256: 'abc' }, /corpusSha256/],
    [{ alpha: 0 }, /alpha/],
    [{ folds: 1 }, /folds/],
    [{ classes: ['cat'] }, /label "dog"|at least two/],
    [{ classes: [...MINI_CLASSES, 'cow'] }, /"cow" has no training example/],
    [{ features: { numBuckets: 3 } }, /power of two/],
  ])('rejects bad options %p', (override, message) => {
    expect(() => trainNaiveBayes(MINI_TRAIN, { ...base, ...override })).toThrow(message);
  });

  it('rejects examples with an unknown label', () => {
    expect(() => trainNaiveBayes([...MINI_TRAIN, { text: 'moo', label: 'cow' }], base)).toThrow(
      /label "cow"/,
    );
  });
});
