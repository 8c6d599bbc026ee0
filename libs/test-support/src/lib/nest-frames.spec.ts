import fc from 'fast-check';
import { nestFrame, nestFrameReader } from './nest-frames';

describe(nestFrameReader.name, () => {
  it('gives back every framed value, in order, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 12 }),
        (values, cuts) => {
          const stream = values.map(nestFrame).join('');
          const seen: unknown[] = [];
          const read = nestFrameReader((json) => seen.push(JSON.parse(json) as unknown));
          let at = 0;
          for (const cut of cuts) {
            read(stream.slice(at, at + cut));
            at = Math.min(stream.length, at + cut);
          }
          read(stream.slice(at));
          expect(seen).toEqual(values.map((value) => JSON.parse(JSON.stringify(value)) as unknown));
        },
      ),
    );
  });

  it('counts the length in characters, as Nest does, so text beyond ASCII frames right', () => {
    const seen: string[] = [];
    nestFrameReader((json) => seen.push(json))(`${nestFrame({ text: 'é ✓ 𝄞' })}${nestFrame(1)}`);
    expect(seen.map((json) => JSON.parse(json) as unknown)).toEqual([{ text: 'é ✓ 𝄞' }, 1]);
  });
});
