import type { ClassPrediction } from './classifier';
import { evaluate, formatEvaluation, summarizeConfidence } from './evaluate';
import type { Predictor } from './evaluate';

/** Predicts the label written at the start of the text ("cat: ..."). */
const echo: Predictor = {
  classes: ['cat', 'dog', 'bird'],
  predict: (texts: readonly string[]): ClassPrediction[] =>
    texts.map((t) => {
      const label = t.split(':')[0] ?? '';
      const scores: Record<string, number> = { cat: 0.1, dog: 0.1, bird: 0.1 };
      scores[label] = 0.8;
      return { label, confidence: 0.8, scores };
    }),
};

describe('evaluate', () => {
  const examples = [
    { text: 'cat: a', label: 'cat' },
    { text: 'cat: b', label: 'cat' },
    { text: 'dog: c', label: 'cat' },
    { text: 'dog: d', label: 'dog' },
    { text: 'bird: e', label: 'bird' },
    { text: 'cat: f', label: 'bird' },
  ];

  it('computes accuracy, per-class precision/recall/F1 and the confusion matrix', () => {
    const result = evaluate(echo, examples);
    expect(result.total).toBe(6);
    expect(result.correct).toBe(4);
    expect(result.accuracy).toBeCloseTo(4 / 6);
    expect(result.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(result.perClass['cat']).toEqual({
      precision: 2 / 3,
      recall: 2 / 3,
      f1: 2 / 3,
      support: 3,
    });
    expect(result.perClass['dog']).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
    expect(result.perClass['bird']?.precision).toBe(1);
    expect(result.perClass['bird']?.recall).toBe(0.5);
    expect(result.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 2 / 3) / 3);
    expect(result.logLoss).toBeCloseTo((4 * -Math.log(0.8) + 2 * -Math.log(0.1)) / 6);
    expect(result.errors.map((e) => e.text)).toEqual(['dog: c', 'cat: f']);
  });

  it('rejects labels the classifier does not know', () => {
    expect(() => evaluate(echo, [{ text: 'cat: x', label: 'cow' }])).toThrow(/label "cow"/);
  });

  it('formats a table and the confusion matrix', () => {
    const text = formatEvaluation(evaluate(echo, examples));
    expect(text).toContain('accuracy: 66.7% (4/6)');
    expect(text).toMatch(/^cat\s+0\.667\s+0\.667\s+0\.667\s+3$/m);
    expect(text).toContain('confusion matrix (rows = actual, columns = predicted)');
    expect(text).toMatch(/^bird\s+1\s+0\s+1$/m);
  });

  it('summarises top confidence', () => {
    expect(summarizeConfidence(echo, ['cat: a', 'dog: b'])).toEqual({
      count: 2,
      meanTopConfidence: 0.8,
      maxTopConfidence: 0.8,
    });
    expect(summarizeConfidence(echo, []).meanTopConfidence).toBe(0);
  });
});
