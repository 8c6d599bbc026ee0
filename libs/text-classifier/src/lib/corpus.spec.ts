import { parseLabelledJsonl, parseTextJsonl } from './corpus';

describe('corpus parsing', () => {
  it('reads labelled JSON lines and skips blank lines', () => {
    const jsonl = '{"text":"purrs","label":"cat"}\n\n{"text":"barks","label":"dog"}\n';
    expect(parseLabelledJsonl(jsonl, 'train.jsonl')).toEqual([
      { text: 'purrs', label: 'cat' },
      { text: 'barks', label: 'dog' },
    ]);
  });

  it('names the file and line of a bad record', () => {
    expect(() => parseLabelledJsonl('{"text":"a","label":"cat"}\n{oops', 'train.jsonl')).toThrow(
      /train\.jsonl:2: not valid JSON/,
    );
    expect(() => parseLabelledJsonl('{"text":"","label":"cat"}', 'x')).toThrow(
      /x:1: "text" must be a non-empty string/,
    );
    expect(() => parseLabelledJsonl('{"text":"a"}', 'x')).toThrow(/x:1: "label"/);
    expect(() => parseLabelledJsonl('{"text":"a","label":"cow"}', 'x', ['cat', 'dog'])).toThrow(
      /unknown label "cow"/,
    );
    expect(() => parseLabelledJsonl('[1]', 'x')).toThrow(/expected a JSON object/);
  });

  it('reads unlabelled texts', () => {
    expect(
      parseTextJsonl('{"text":"sample input"}\n{"text":"test","note":1}', 'offtopic.jsonl'),
    ).toEqual(['sample input', 'test']);
  });
});
