import { readFileSync } from 'node:fs';
import {
  README,
  REGENERATE,
  TABLE_END,
  TABLE_START,
  describeRules,
  envRows,
  renderEnvTable,
  tableIn,
  withTable,
} from './env-table';

describe('the README environment table', () => {
  it('is what the schema classes generate', () => {
    const written = tableIn(readFileSync(README, 'utf8'));
    const generated = renderEnvTable();
    if (written !== generated) {
      const a = written.split('\n');
      const b = generated.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      throw new Error(
        `README.md's environment table differs from the schema classes (first at table line ${line + 1}:\n` +
          `  README:    ${a[line] ?? '(missing)'}\n  generated: ${b[line] ?? '(missing)'})\nRun \`${REGENERATE}\` to regenerate it.`,
      );
    }
    expect(written).toBe(generated);
  });

  it('lists every variable of both schemas once, each with its app', () => {
    const rows = envRows();
    const names = rows.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['GATEWAY_PORT', 'PREDICTOR_TCP_PORT', 'LOG_LEVEL']),
    );
    expect(rows.find((row) => row.name === 'LOG_LEVEL')?.app).toBe('both');
    expect(rows.find((row) => row.name === 'GATEWAY_PORT')).toMatchObject({
      app: 'gateway',
      default: '8000',
    });
    expect(rows.find((row) => row.name === 'MODEL_PATH')?.default).toBeUndefined();
  });

  it('states bounds and allowed values from the validators', () => {
    expect(
      describeRules(
        new Map([
          ['isInt', []],
          ['min', [0]],
          ['max', [65535]],
        ]),
      ),
    ).toBe('integer, 0–65535');
    expect(describeRules(new Map([['isIn', [['a', 'b']]]]))).toBe('one of `a` `b`');
    expect(describeRules(new Map([['minLength', [16]]]))).toBe('≥ 16 characters');
    expect(describeRules(new Map())).toBe('');
  });

  it('is replaced between its markers only, and missing markers name the command', () => {
    const readme = `intro\n${TABLE_START}\nold\n${TABLE_END}\noutro\n`;
    expect(withTable(readme, 'new')).toBe(`intro\n${TABLE_START}\nnew\n${TABLE_END}\noutro\n`);
    expect(() => tableIn('no markers')).toThrow(REGENERATE);
  });
});
