/** Deepest nesting of arrays and objects a JSON body may have before it is refused unparsed. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_BRACE = 0x7b; // {
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACE = 0x7d; // }
const CLOSE_BRACKET = 0x5d; // ]

/**
 * Whether the raw JSON `text` nests arrays and objects deeper than `maxDepth`,
 * found by one linear scan that counts `[`/`{` outside strings.
 *
 * It runs before `JSON.parse` and the validators, whose recursion a few kilobytes
 * of `[[[[…` would otherwise drive towards a stack overflow (a 500), and it
 * allocates nothing. It does not validate: on malformed text it answers
 * something and the parser that runs next refuses the text anyway.
 */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      // An escape consumes the next character, so `\"` does not end the string.
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}
