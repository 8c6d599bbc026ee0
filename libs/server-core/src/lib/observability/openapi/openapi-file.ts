import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Builds an app's document from its real root module in Nest's preview mode:
 * the module graph and the controllers' metadata are scanned, but no provider
 * is instantiated, so nothing connects, loads a model or opens a file.
 */
export async function generateOpenApiDocument(
  root: DynamicModule,
  build: (app: INestApplication) => OpenAPIObject,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create(root, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return build(app);
  } finally {
    await app.close();
  }
}

/** The checked-in form: two-space JSON with a final newline, so diffs are readable. */
export function openApiFileContent(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function writeOpenApiFile(path: string, document: OpenAPIObject): void {
  writeFileSync(path, openApiFileContent(document));
}

/** The checked-in document, as data (formatting differences do not count as drift). */
export function readOpenApiFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * What a document leaves undocumented, one line per gap: an operation with
 * no summary, no 2xx schema, or an error response that is not problem+json
 * with the ProblemDetails schema. `jsonErrors` lists the error responses
 * that answer with a JSON body on purpose (`GET /health 503`: a health body).
 */
export function openApiGaps(document: OpenAPIObject, jsonErrors: readonly string[] = []): string[] {
  const gaps: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const name = `${method.toUpperCase()} ${path}`;
      if (!operation.summary) gaps.push(`${name}: no summary`);
      for (const [status, response] of Object.entries(operation.responses)) {
        const content = response && 'content' in response ? response.content : undefined;
        if (status.startsWith('2') && !content) gaps.push(`${name} ${status}: no schema`);
        if (Number(status) < 400 || jsonErrors.includes(`${name} ${status}`)) continue;
        const schema = content?.['application/problem+json']?.schema;
        if (
          !schema ||
          !('$ref' in schema) ||
          schema.$ref !== '#/components/schemas/ProblemDetails'
        ) {
          gaps.push(
            `${name} ${status}: not application/problem+json with the ProblemDetails schema`,
          );
        }
      }
    }
  }
  return gaps;
}
