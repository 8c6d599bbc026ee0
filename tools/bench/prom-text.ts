/**
 * The value of one sample in a Prometheus text exposition: the first line
 * for `name` whose labels include every one of `labels` (none asked: the
 * first sample of that name, labelled or not). NaN when there is none.
 */
export function metricValue(
  exposition: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    let labelText = '';
    let valueText: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      if (close < 0) continue;
      labelText = rest.slice(1, close);
      valueText = rest.slice(close + 1);
    } else if (rest.startsWith(' ')) {
      valueText = rest;
    } else {
      // Another metric whose name starts with this one (`name_total`, `name_bucket`).
      continue;
    }
    const found = parseLabels(labelText);
    if (!Object.entries(labels).every(([key, value]) => found[key] === value)) continue;
    // A sample may carry a timestamp after its value.
    const value = valueText.trim().split(/\s+/)[0] ?? '';
    return parseSampleValue(value);
  }
  return Number.NaN;
}

function parseSampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text === '' ? Number.NaN : Number(text);
}

/** `a="x",b="y \"q\""` → `{a: 'x', b: 'y "q"'}`. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    const [, key, raw] = match;
    if (key !== undefined && raw !== undefined)
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The shipper's backlog at one moment, from the gateway's /metrics. */
export interface LagSample {
  records: number;
  oldestAgeSeconds: number;
}

/** The backlog read from one exposition of the gateway's metrics. */
export function lagOf(exposition: string): LagSample {
  return {
    records: metricValue(exposition, 'input_log_unshipped_records'),
    oldestAgeSeconds: metricValue(exposition, 'input_log_unshipped_oldest_age_seconds'),
  };
}

/** The shipper's lag over a run: the largest backlog seen, and the last. */
export interface LagSummary {
  samples: number;
  peakRecords: number;
  peakAgeSeconds: number;
  endRecords: number;
  endAgeSeconds: number;
}

/** Folds samples taken in order into their peak and their end; samples without numbers are left out. */
export function summarizeLag(samples: readonly LagSample[]): LagSummary {
  const read = samples.filter(
    (s) => Number.isFinite(s.records) && Number.isFinite(s.oldestAgeSeconds),
  );
  const last = read.at(-1);
  return {
    samples: read.length,
    peakRecords: read.length ? Math.max(...read.map((s) => s.records)) : Number.NaN,
    peakAgeSeconds: read.length ? Math.max(...read.map((s) => s.oldestAgeSeconds)) : Number.NaN,
    endRecords: last?.records ?? Number.NaN,
    endAgeSeconds: last?.oldestAgeSeconds ?? Number.NaN,
  };
}
