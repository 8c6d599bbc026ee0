import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ProblemException } from '../problem/problem.exception';

/**
 * Replaces Fastify's JSON parser so that every parse failure is a problem+json
 * 400 with our own wording (Nest would otherwise echo the engine's message),
 * so that `__proto__` and `constructor.prototype` keys are refused outright
 * instead of silently stripped, and so that a body that is not a JSON object
 * (array, string, null) gets one clear message instead of a list of field errors.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  // Only JSON is spoken here: without Fastify's text/plain parser (and with
  // Nest's body parsers off) anything else is a 415.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i,
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.length === 0) {
        done(new ProblemException(400, 'MALFORMED_JSON', 'The JSON body is empty'), undefined);
        return;
      }
      let parsed: unknown;
      try {
        parsed = secureJson.parse(text, undefined, {
          protoAction: 'error',
          constructorAction: 'error',
        });
      } catch (error) {
        const poisoned = error instanceof SyntaxError && /forbidden prototype property/.test(error.message);
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
        done(new ProblemException(400, 'VALIDATION_FAILED', 'The body must be a JSON object'), undefined);
        return;
      }
      done(null, parsed);
    },
  );
}
