/** One training or evaluation example. */
export interface LabelledExample {
  readonly text: string;
  readonly label: string;
}

function parseLines(
  jsonl: string,
  source: string,
): { line: number; value: Record<string, unknown> }[] {
  const out: { line: number; value: Record<string, unknown> }[] = [];
  jsonl.split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`${source}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${source}:${i + 1}: expected a JSON object`);
    const record = value as Record<string, unknown>;
    if (typeof record['text'] !== 'string' || record['text'].trim().length === 0)
      throw new Error(`${source}:${i + 1}: "text" must be a non-empty string`);
    out.push({ line: i + 1, value: record });
  });
  return out;
}

/**
 * Parses JSON Lines of `{"text": ..., "label": ...}` (blank lines ignored). Throws with the source
 * name and line number on a malformed line, or on a label outside `classes` when given.
 */
export function parseLabelledJsonl(
  jsonl: string,
  source: string,
  classes?: readonly string[],
): LabelledExample[] {
  return parseLines(jsonl, source).map(({ line, value }) => {
    const label = value['label'];
    if (typeof label !== 'string' || label.length === 0)
      throw new Error(`${source}:${line}: "label" must be a non-empty string`);
    if (classes !== undefined && !classes.includes(label))
      throw new Error(
        `${source}:${line}: unknown label "${label}" (expected one of ${classes.join(', ')})`,
      );
    return { text: value['text'] as string, label };
  });
}

/** Parses JSON Lines of `{"text": ...}` (any other field is ignored). */
export function parseTextJsonl(jsonl: string, source: string): string[] {
  return parseLines(jsonl, source).map(({ value }) => value['text'] as string);
}
