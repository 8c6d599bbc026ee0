import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** One finished request of a load run. */
export interface Sample {
  /** When it was sent, epoch ms. */
  at: number;
  /** HTTP status, or 0 when the request itself failed (connection error). */
  status: number;
  /** The problem code of an error answer. */
  code?: string;
  /** A 200 whose body `LoadOptions.check` refused. */
  wrong?: boolean;
  ms: number;
}

export interface LoadReport {
  samples: Sample[];
  /** Count per status (`"0"` = client-side failure: no HTTP answer at all). */
  statuses: Record<string, number>;
  /** Count per problem code of the error answers. */
  codes: Record<string, number>;
  /** 200s whose body `LoadOptions.check` refused. */
  wrong: number;
  total: number;
}

export interface LoadOptions {
  /** Requests in flight at once (one loop each). */
  workers?: number;
  /** Hard stop, whatever `until` says. */
  maxMs?: number;
  /** Stops the loops once it resolves (they finish their current request). */
  until?: Promise<unknown>;
  body?: unknown;
  /** Each loop's own body, instead of `body`. */
  bodyOf?: (worker: number) => unknown;
  /** Whether a 200's parsed body is the right answer for the loop that sent it. */
  check?: (worker: number, answer: unknown) => boolean;
  /** Where the samples go as they finish, so a test can wait on the traffic it needs. */
  samples?: Sample[];
}

/**
 * A bounded closed-loop load: `workers` loops, each POSTing and awaiting the
 * answer before the next, until `until` settles or `maxMs` passes. Every
 * answer is kept, so a test can split the run around the fault it injects.
 */
export async function runLoad(url: string, options: LoadOptions = {}): Promise<LoadReport> {
  const { workers = 16, maxMs = 10_000, body = { data: 'my cat sleeps on the sofa' } } = options;
  let stop = false;
  const timer = setTimeout(() => (stop = true), maxMs);
  void options.until?.finally(() => (stop = true));
  const samples: Sample[] = options.samples ?? [];
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const payload = JSON.stringify(options.bodyOf ? options.bodyOf(worker) : body);
      while (!stop) {
        const at = Date.now();
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: payload,
          });
          const text = await response.text();
          const sample: Sample = { at, status: response.status, ms: Date.now() - at };
          if (response.status !== 200)
            sample.code = String((JSON.parse(text) as { code?: unknown }).code);
          else if (options.check && !options.check(worker, JSON.parse(text))) sample.wrong = true;
          samples.push(sample);
        } catch {
          samples.push({ at, status: 0, ms: Date.now() - at });
        }
      }
    }),
  );
  clearTimeout(timer);
  return summarize(samples);
}

/** The 200s among `samples` sent at or after `since` (epoch ms). */
export function okSince(samples: readonly Sample[], since: number): number {
  return samples.filter((s) => s.at >= since && s.status === 200).length;
}

export function summarize(samples: Sample[]): LoadReport {
  const statuses: Record<string, number> = {};
  const codes: Record<string, number> = {};
  for (const sample of samples) {
    statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
    if (sample.code) codes[sample.code] = (codes[sample.code] ?? 0) + 1;
  }
  return {
    samples,
    statuses,
    codes,
    wrong: samples.filter((s) => s.wrong).length,
    total: samples.length,
  };
}

/**
 * Records a measured figure: one JSON line in tmp/e2e-figures.jsonl (for the
 * write-up) and one line on stdout (for whoever watches the run).
 */
export function recordFigure(name: string, value: unknown): void {
  const dir = join(__dirname, '..', '..', '..', '..', 'tmp');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'e2e-figures.jsonl'),
    `${JSON.stringify({ name, value, at: new Date().toISOString() })}\n`,
  );
  process.stdout.write(`${name}: ${JSON.stringify(value)}\n`);
}
