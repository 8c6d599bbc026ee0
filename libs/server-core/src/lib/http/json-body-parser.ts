import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ProblemException } from '../problem/problem.exception';

/**
 * Replaces Fastify's JSON parser so that every parse failure is a problem+json
 * 400 with our own wording (Nest would otherwise echo the engine's message),
 * and so that `__proto__` and `constructor.prototype` keys are refused outright
 * instead of silently stripped.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    /^application\/(?:[\w.+-]+\+)?json$/i,
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.length === 0) {
        done(new ProblemException(400, 'MALFORMED_JSON', 'The JSON body is empty'), undefined);
        return;
      }
      try {
        done(
          null,
          secureJson.parse(text, undefined, {
            protoAction: 'error',
            constructorAction: 'error',
          }),
        );
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
      }
    },
  );
}
