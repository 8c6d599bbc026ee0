import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument } from '@ml-system/server-core';
import { AppModule } from './app.module';
import { gatewayOpenApiDocument } from './gateway.openapi';

/** The checked-in document: apps/gateway/openapi.json. */
export const GATEWAY_OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

/** The gateway's document, from the real AppModule (preview mode: nothing starts). */
export function generateGatewayOpenApi(): Promise<OpenAPIObject> {
  return generateOpenApiDocument(AppModule.forRoot(), gatewayOpenApiDocument);
}
