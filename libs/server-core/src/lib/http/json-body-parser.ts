import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ProblemException } from '../problem/problem.exception';
import { MAX_JSON_DEPTH, jsonNestingExceeds } from './json-depth';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The text a JSON body was parsed from, as the client sent it (UTF-8
     * decoded, at most the body limit): for a route that records the body,
     * so that it need not serialize the parsed object again. Differs from
     * `JSON.stringify(request.body)` wherever JSON allows two spellings
     * (whitespace, escapes, number forms, repeated keys, key order).
     * Undefined when the request had no JSON body.
     */
    jsonBodyText?: string;
  }
}

export interface JsonBodyParserOptions {
  /** Deepest nesting of arrays and objects accepted; deeper bodies are refused before parsing. */
  maxDepth?: number;
}

/**
 * Top-level keys named like members of Object.prototype (`toString`,
 * `constructor`, `hasOwnProperty`…). class-transformer silently drops them
 * when it builds the DTO, so the validator would never see them to refuse
 * them as unknown; they are refused here, in the validator's own words.
 */
function shadowingKeys(body: object): string[] {
  return Object.keys(body).filter((key) => key in Object.prototype);
}

/** `charset=…` of a content type, lower-cased and unquoted; undefined when absent. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match ? (match[1] ?? '').toLowerCase() : undefined;
}

/**
 * Replaces Fastify's JSON parser so that every parse failure is a problem+json
 * 400 with our own wording (Nest would otherwise echo the engine's message),
 * so that `__proto__` and `constructor.prototype` keys are refused outright
 * instead of silently stripped, and so that a body that is not a JSON object
 * (array, string, null) gets one clear message instead of a list of field errors.
 *
 * Before anything parses the text, three cheap checks: the declared charset must
 * be UTF-8 (RFC 8259 §8.1; the text is decoded as UTF-8 whatever is declared,
 * so another charset would be silently misread), the bytes must be valid UTF-8
 * (decoding would silently replace the bad ones), and the nesting must stay
 * within `maxDepth`, so that a small body of `[[[[…` is a 400 rather than deep
 * recursion in the parser and the validators.
 */
export function installJsonBodyParser(
  fastify: FastifyInstance,
  options: JsonBodyParserOptions = {},
): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  // Only JSON is spoken here: without Fastify's text/plain parser (and with
  // Nest's body parsers off) anything else is a 415.
  fastify.removeAllContentTypeParsers();
  // Declared once, so that every request object has the field from birth (one shape).
  fastify.decorateRequest('jsonBodyText', undefined);
  fastify.addContentTypeParser(
    /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i,
    // Bytes, not a string: Fastify decodes a string body leniently (bad bytes
    // become U+FFFD), which would let a body that is not UTF-8 through, altered.
    { parseAs: 'buffer' },
    (request, body, done) => {
      const charset = charsetOf(request.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ProblemException(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the JSON body as UTF-8 (charset=utf-8 or none)',
          ),
          undefined,
        );
        return;
      }
      if (typeof body !== 'string' && !isUtf8(body)) {
        done(new ProblemException(400, 'MALFORMED_JSON', 'The body is not valid UTF-8'), undefined);
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.length === 0) {
        done(new ProblemException(400, 'MALFORMED_JSON', 'The JSON body is empty'), undefined);
        return;
      }
      if (jsonNestingExceeds(text, maxDepth)) {
        done(
          new ProblemException(
            400,
            'VALIDATION_FAILED',
            `The JSON body nests arrays or objects deeper than ${maxDepth} levels`,
          ),
          undefined,
        );
        return;
      }
      let parsed: unknown;
      try {
        parsed = secureJson.parse(text, undefined, {
          protoAction: 'error',
          constructorAction: 'error',
        });
      } catch (error) {
        const poisoned =
          error instanceof SyntaxError && /forbidden prototype property/.test(error.message);
        done(
          new ProblemException(
            400,
            'MALFORMED_JSON',
            poisoned
              ? 'The body contains a forbidden __proto__ or constructor.prototype key'
              : 'The body is not valid JSON',
          ),
          undefined,
        );
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        done(
          new ProblemException(400, 'VALIDATION_FAILED', 'The body must be a JSON object'),
          undefined,
        );
        return;
      }
      const shadowing = shadowingKeys(parsed);
      if (shadowing.length > 0) {
        const lines = shadowing.map((key) => `${key}: property ${key} should not exist`);
        done(
          new ProblemException(400, 'VALIDATION_FAILED', lines.join('; '), {}, lines),
          undefined,
        );
        return;
      }
      // The string exists already; keeping it costs a field, not a copy.
      request.jsonBodyText = text;
      done(null, parsed);
    },
  );
}
