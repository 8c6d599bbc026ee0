import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseMallocChoice } from './image-malloc';
import type { MallocChoice } from './image-malloc';

/** What the bench can measure: POST /process forwarded or answered locally, and the ONNX text model. */
export const SCENARIO_KINDS = ['forward', 'local', 'onnx'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/**
 * The text classifiers the ONNX scenario can serve: the test repository's
 * embedding bag (a run takes microseconds: the serving around it is the
 * figure) and a BERT encoder of BERT-mini's size (a run takes most of a
 * millisecond per text, as the classifiers teams ship).
 */
export const ONNX_MODEL_NAMES = ['tiny-sentiment', 'mini-bert'] as const;
export type OnnxModelName = (typeof ONNX_MODEL_NAMES)[number];

export interface BenchOptions {
  duration: number;
  warmup: number;
  repeat: number;
  /** Connection counts of the forward and local scenarios. */
  connections: number[];
  /** Connection counts of the ONNX scenario. */
  onnxConnections: number[];
  /** The model the ONNX scenario serves. */
  onnxModel: OnnxModelName;
  /** The scenarios to run, in the order given. */
  scenarios: ScenarioKind[];
  /** Also run ours with the PostgreSQL shipper on in the forward and local scenarios. */
  pg: boolean;
  /** Predictor processes behind our gateway. */
  predictors: number;
  /** Seconds of forward load at 64 connections before reading RSS; 0 skips. */
  soak: number;
  /** Predictor counts for the scale-out runs (forward, 64 connections); empty skips. */
  scale: number[];
  /** Also run the framework floors (the baseline's logic on Fastify, and on Nest) at each connection count above 1. */
  floors: boolean;
  /** The allocator our apps run on: their images' (jemalloc) or glibc's. */
  malloc: MallocChoice;
  out: string;
}

function positiveIntegers(flag: string, text: string, allowZero: boolean): number[] {
  const values = text.split(',').map((item) => Number(item.trim()));
  if (allowZero && values.length === 1 && values[0] === 0) return [];
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`--${flag} takes positive whole numbers separated by commas, not "${text}"`);
  }
  return values;
}

function nonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`--${flag} takes a number of 0 or more, not "${text}"`);
  }
  return value;
}

/** `forward,local,onnx` → the scenario kinds, each once, in the order given. */
export function parseScenarios(text: string): ScenarioKind[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(SCENARIO_KINDS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `--scenarios takes some of ${SCENARIO_KINDS.join(', ')} separated by commas, not "${text}"`,
    );
  }
  return [...new Set(names as ScenarioKind[])];
}

const flag = (text: string): boolean => text !== '0' && text !== 'false';

/** The bench's command line (after `--`), with its defaults. @throws Error on a flag it does not take or a bad value. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const text = (fallback: string) => ({ type: 'string', default: fallback }) as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: text('5'),
      warmup: text('1'),
      repeat: text('1'),
      connections: text('1,64'),
      'onnx-connections': text('1,64'),
      'onnx-model': text('tiny-sentiment'),
      malloc: text('image'),
      scenarios: text(SCENARIO_KINDS.join(',')),
      pg: text('1'),
      predictors: text('1'),
      floors: text('1'),
      soak: text('60'),
      scale: text('1,2,3'),
      out: text(join('tmp', 'bench')),
    },
  });
  const repeat = nonNegative('repeat', values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat takes a whole number ≥ 1');
  const onnxModel = values['onnx-model'];
  if (!(ONNX_MODEL_NAMES as readonly string[]).includes(onnxModel)) {
    throw new Error(`--onnx-model takes one of ${ONNX_MODEL_NAMES.join(', ')}, not "${onnxModel}"`);
  }
  const malloc = parseMallocChoice(values.malloc);
  const duration = nonNegative('duration', values.duration);
  if (duration === 0) throw new Error('--duration must be above 0');
  return {
    duration,
    warmup: nonNegative('warmup', values.warmup),
    repeat,
    connections: positiveIntegers('connections', values.connections, false),
    onnxConnections: positiveIntegers('onnx-connections', values['onnx-connections'], false),
    onnxModel: onnxModel as OnnxModelName,
    scenarios: parseScenarios(values.scenarios),
    pg: flag(values.pg),
    predictors: positiveIntegers('predictors', values.predictors, false)[0] ?? 1,
    floors: flag(values.floors),
    malloc,
    soak: nonNegative('soak', values.soak),
    // `--scale 0` skips the scale-out runs.
    scale: positiveIntegers('scale', values.scale, true),
    out: values.out,
  };
}

/** One measured case: a scenario kind at one connection count. */
export interface Scenario {
  name: string;
  kind: ScenarioKind;
  connections: number;
}

/** The scenarios of a run, in the order given, each at its connection counts. */
export function scenariosOf(options: BenchOptions): Scenario[] {
  return options.scenarios.flatMap((kind) =>
    (kind === 'onnx' ? options.onnxConnections : options.connections).map((connections) => ({
      name: `${kind} c=${connections}`,
      kind,
      connections,
    })),
  );
}
