import { join } from 'node:path';
import { parseBenchOptions, parseScenarios, scenariosOf } from './bench-options';

describe(parseBenchOptions.name, () => {
  it('has defaults for a full run', () => {
    expect(parseBenchOptions([])).toEqual({
      duration: 5,
      warmup: 1,
      repeat: 1,
      connections: [1, 64],
      onnxConnections: [1, 64],
      onnxModel: 'tiny-sentiment',
      scenarios: ['forward', 'local', 'onnx'],
      pg: true,
      predictors: 1,
      floors: true,
      malloc: 'image',
      soak: 60,
      scale: [1, 2, 3],
      out: join('tmp', 'bench'),
    });
  });

  it('takes the short run of the docs, and picks scenarios', () => {
    const options = parseBenchOptions([
      '--duration',
      '5',
      '--warmup',
      '2',
      '--repeat',
      '1',
      '--soak',
      '0',
      '--scale',
      '0',
      '--scenarios',
      'onnx,forward',
      '--connections',
      '64',
      '--pg',
      '0',
      '--floors',
      '0',
    ]);
    expect(options).toMatchObject({
      duration: 5,
      warmup: 2,
      soak: 0,
      scale: [],
      scenarios: ['onnx', 'forward'],
      connections: [64],
      pg: false,
      floors: false,
    });
  });

  it('refuses a flag it does not know and values that are not counts', () => {
    expect(() => parseBenchOptions(['--seconds', '5'])).toThrow();
    expect(() => parseBenchOptions(['--connections', '1,x'])).toThrow(/--connections/);
    expect(() => parseBenchOptions(['--connections', '0'])).toThrow(/--connections/);
    expect(() => parseBenchOptions(['--repeat', '0'])).toThrow(/--repeat/);
    expect(() => parseBenchOptions(['--duration', '-1'])).toThrow(/--duration/);
    expect(() => parseBenchOptions(['--scale', '0,2'])).toThrow(/--scale/);
  });
});

describe(parseScenarios.name, () => {
  it('keeps the order given, once each', () => {
    expect(parseScenarios('local, forward,local')).toEqual(['local', 'forward']);
  });

  it('names the scenarios it takes when given another', () => {
    expect(() => parseScenarios('forward,pg')).toThrow(/forward, local, onnx/);
    expect(() => parseScenarios('')).toThrow(/--scenarios/);
  });
});

describe(scenariosOf.name, () => {
  it('runs each scenario at its own connection counts, in the order given', () => {
    const options = parseBenchOptions([
      '--scenarios',
      'onnx,local',
      '--connections',
      '8,64',
      '--onnx-connections',
      '1',
    ]);
    expect(scenariosOf(options)).toEqual([
      { name: 'onnx c=1', kind: 'onnx', connections: 1 },
      { name: 'local c=8', kind: 'local', connections: 8 },
      { name: 'local c=64', kind: 'local', connections: 64 },
    ]);
  });
});

describe('--onnx-model', () => {
  it("serves the test repository's tiny-sentiment unless told otherwise", () => {
    expect(parseBenchOptions([]).onnxModel).toBe('tiny-sentiment');
    expect(parseBenchOptions(['--onnx-model', 'mini-bert']).onnxModel).toBe('mini-bert');
  });

  it('refuses a model the bench cannot make, naming the ones it can', () => {
    expect(() => parseBenchOptions(['--onnx-model', 'bert-large'])).toThrow(
      /tiny-sentiment, mini-bert.*"bert-large"/,
    );
  });
});

describe('--malloc', () => {
  it("starts ours on their images' allocator unless told otherwise", () => {
    expect(parseBenchOptions([]).malloc).toBe('image');
    expect(parseBenchOptions(['--malloc', 'glibc']).malloc).toBe('glibc');
  });

  it('refuses an allocator it cannot start, naming the choices', () => {
    expect(() => parseBenchOptions(['--malloc', 'tcmalloc'])).toThrow(/image, glibc.*"tcmalloc"/);
  });
});
