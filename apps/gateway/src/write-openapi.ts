/**
 * Regenerates apps/gateway/openapi.json from the code:
 *
 *   npx nx run gateway:openapi
 *
 * Commit the result; gateway.openapi.spec.ts fails while the two differ.
 */
import 'reflect-metadata';
import { relative } from 'node:path';
import { writeOpenApiFile } from '@ml-system/server-core';
import { GATEWAY_OPENAPI_FILE, generateGatewayOpenApi } from './gateway-openapi.generate';

generateGatewayOpenApi().then(
  (document) => {
    writeOpenApiFile(GATEWAY_OPENAPI_FILE, document);
    process.stdout.write(`wrote ${relative(process.cwd(), GATEWAY_OPENAPI_FILE)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(
      `could not generate the OpenAPI document: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
