/**
 * Regenerates apps/predictor/openapi.json from the code:
 *
 *   npx nx run predictor:openapi
 *
 * Commit the result; predictor.openapi.spec.ts fails while the two differ.
 */
import 'reflect-metadata';
import { relative } from 'node:path';
import { writeOpenApiFile } from '@ml-system/server-core';
import { PREDICTOR_OPENAPI_FILE, generatePredictorOpenApi } from './predictor-openapi.generate';

generatePredictorOpenApi().then(
  (document) => {
    writeOpenApiFile(PREDICTOR_OPENAPI_FILE, document);
    process.stdout.write(`wrote ${relative(process.cwd(), PREDICTOR_OPENAPI_FILE)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(
      `could not generate the OpenAPI document: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
