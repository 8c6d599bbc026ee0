import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Where both apps serve their documents: the README's HTTP API. */
export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs-json';

export interface OpenApiInfo {
  title: string;
  description: string;
  version: string;
  tags: ReadonlyArray<{ name: string; description: string }>;
  /** Declare the API-key schemes (`x-api-key` header as `api-key`, `Authorization: Bearer` as `bearer`). */
  apiKeys?: boolean;
}

/**
 * The OpenAPI 3 document of an app, scanned from its controllers' explicit
 * decorators (no Swagger CLI plugin: the build is plain tsc). Deterministic,
 * so the checked-in `openapi.json` can be compared with it.
 */
export function buildOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version);
  for (const tag of info.tags) builder.addTag(tag.name, tag.description);
  if (info.apiKeys) {
    builder
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'bearer');
  }
  return SwaggerModule.createDocument(app, builder.build());
}

/**
 * Whether Swagger UI's assets can be served. @fastify/static 10 depends on an
 * ES-module-only package, loaded through `require(esm)`; where that fails,
 * Nest's loader would exit the process, so the UI is left out instead. (The
 * specs check the document; the e2e specs, on the built apps, check the UI.)
 */
function swaggerUiAssetsLoadable(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a probe, not a use
    require('@fastify/static');
    return true;
  } catch {
    return false;
  }
}

/**
 * Serves the document at `/docs-json` and Swagger UI at `/docs`. Called by
 * bootstrap before the app listens. The document is built by `document` on
 * its first request, not at boot: scanning every controller took start-up
 * time and kept the document in memory in every process, read or not (a spec
 * per app holds it equal to the checked-in `openapi.json`). Swagger UI loads only same-origin scripts
 * (no inline script), so a CSP of `script-src 'self'` suffices; it needs
 * `style-src 'self' 'unsafe-inline'` and `img-src 'self' data:`, which
 * helmet's defaults allow.
 */
export function serveOpenApi(
  app: INestApplication,
  document: () => OpenAPIObject,
  title: string,
): void {
  const ui = swaggerUiAssetsLoadable();
  if (!ui) {
    new Logger('OpenApi').warn(
      `Swagger UI is off (@fastify/static cannot load on Node ${process.version}); /${OPENAPI_JSON_PATH} is served`,
    );
  }
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    ui,
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: title,
    swaggerOptions: { displayRequestDuration: true, tryItOutEnabled: false },
  });
}
