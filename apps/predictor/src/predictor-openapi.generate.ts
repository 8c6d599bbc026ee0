import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument } from '@ml-system/server-core';
import { AppModule } from './app.module';
import { predictorOpenApiDocument } from './predictor.openapi';

/** The checked-in document: apps/predictor/openapi.json. */
export const PREDICTOR_OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

/** The predictor's document, from the real AppModule (preview mode: no model is loaded). */
export function generatePredictorOpenApi(): Promise<OpenAPIObject> {
  return generateOpenApiDocument(AppModule.forRoot(), predictorOpenApiDocument);
}
