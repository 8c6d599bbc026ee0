/** Pure helpers of the engine comparison: statistics, line counts, the table. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface ThroughputResult {
  concurrency: number;
  appends: number;
  seconds: number;
  appendsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU (user + system, all threads of the process) per measured append, µs. */
  cpuUsPerAppend?: number;
  /** p99 of the event loop's delay while measured, ms: how much the engine blocks the JS thread. */
  loopDelayP99Ms?: number;
}

export function summarizeThroughput(
  concurrency: number,
  latenciesMs: readonly number[],
  seconds: number,
): ThroughputResult {
  return {
    concurrency,
    appends: latenciesMs.length,
    seconds,
    appendsPerSecond: seconds > 0 ? latenciesMs.length / seconds : 0,
    p50Ms: quantile(latenciesMs, 0.5),
    p99Ms: quantile(latenciesMs, 0.99),
  };
}

function median(values: readonly (number | undefined)[]): number {
  return quantile(
    values.filter((v): v is number => v !== undefined && !Number.isNaN(v)),
    0.5,
  );
}

/**
 * One result for repeated runs of one engine at one concurrency: the median
 * of each figure on its own (by nearest rank, so always one run's figure).
 * @throws RangeError for no runs, or runs at different concurrencies.
 */
export function medianRun(runs: readonly ThroughputResult[]): ThroughputResult {
  const first = runs[0];
  if (!first || runs.some((run) => run.concurrency !== first.concurrency))
    throw new RangeError('medianRun needs runs, all at one concurrency');
  return {
    concurrency: first.concurrency,
    appends: median(runs.map((run) => run.appends)),
    seconds: median(runs.map((run) => run.seconds)),
    appendsPerSecond: median(runs.map((run) => run.appendsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    cpuUsPerAppend: median(runs.map((run) => run.cpuUsPerAppend)),
    loopDelayP99Ms: median(runs.map((run) => run.loopDelayP99Ms)),
  };
}

export interface LineCount {
  /** Every line. */
  total: number;
  /** Lines with code: not blank, not only comment. */
  code: number;
}

/** Counts the lines of a TypeScript source; comment-only lines (line and block) are not code. */
export function countLines(text: string): LineCount {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let code = 0;
  let inBlock = false;
  for (const raw of lines) {
    let line = raw.trim();
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end === -1) continue;
      inBlock = false;
      line = line.slice(end + 2).trim();
    }
    if (line.startsWith('/*')) {
      const end = line.indexOf('*/', 2);
      if (end === -1) {
        inBlock = true;
        continue;
      }
      line = line.slice(end + 2).trim();
    }
    if (line === '' || line.startsWith('//')) continue;
    code++;
  }
  return { total: lines.length, code };
}

export function addCounts(counts: readonly LineCount[]): LineCount {
  return counts.reduce((sum, c) => ({ total: sum.total + c.total, code: sum.code + c.code }), {
    total: 0,
    code: 0,
  });
}

export interface CrashRound {
  acknowledged: number;
  missing: number;
  readable: boolean;
}

export interface CrashSummary {
  rounds: number;
  acknowledged: number;
  missing: number;
  unreadable: number;
  passed: boolean;
}

export function summarizeCrashes(rounds: readonly CrashRound[]): CrashSummary {
  const acknowledged = rounds.reduce((sum, r) => sum + r.acknowledged, 0);
  const missing = rounds.reduce((sum, r) => sum + r.missing, 0);
  const unreadable = rounds.filter((r) => !r.readable).length;
  return {
    rounds: rounds.length,
    acknowledged,
    missing,
    unreadable,
    passed: rounds.length > 0 && missing === 0 && unreadable === 0,
  };
}

export interface EngineReport {
  engine: string;
  crash: CrashSummary | null;
  throughput: ThroughputResult[];
  lines: LineCount;
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

/** The comparison as a Markdown table, one row per engine. */
export function renderTable(
  reports: readonly EngineReport[],
  concurrencies: readonly number[],
): string {
  const head = [
    'engine',
    'crash test (kills: acked, lost, unreadable)',
    ...concurrencies.flatMap((c) => [`appends/s @${c}`, `p50 ms @${c}`]),
    'our lines (code / total)',
  ];
  const rows = reports.map((report) => {
    const crash = report.crash;
    const crashCell = crash
      ? `${crash.passed ? 'pass' : 'FAIL'} (${crash.rounds}: ${crash.acknowledged}, ${crash.missing}, ${crash.unreadable})`
      : 'not run';
    const cells = concurrencies.flatMap((c) => {
      const run = report.throughput.find((t) => t.concurrency === c);
      return [fixed(run?.appendsPerSecond, 0), fixed(run?.p50Ms, 2)];
    });
    return [report.engine, crashCell, ...cells, `${report.lines.code} / ${report.lines.total}`];
  });
  return [head, head.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

/** What each run cost beyond its rate: the slow tail, CPU and the event loop's delay. */
export function renderCostTable(reports: readonly EngineReport[]): string {
  const head = ['engine', 'writers', 'p99 ms', 'CPU µs / append', 'event-loop delay p99 ms'];
  const rows = reports.flatMap((report) =>
    report.throughput.map((run) => [
      report.engine,
      String(run.concurrency),
      fixed(run.p99Ms, 2),
      fixed(run.cpuUsPerAppend, 0),
      fixed(run.loopDelayP99Ms, 2),
    ]),
  );
  return [head, head.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}
