/**
 * Rule 3: the Dockerfiles pass a Dockerfile linter (dockerfile-utils, the
 * validator behind VS Code's Dockerfile support, every configurable check at
 * error level) and this project's image rules (see dockerfileRules). No image
 * is built here: CI has no Docker engine.
 */
import { appGetRoutes } from './support/app-facts';
import {
  dockerfileRules,
  dockerignoreProblems,
  finalCommand,
  finalStageAptPackages,
  finalStageEnv,
  lintDockerfile,
} from './support/dockerfile';
import { APPS, readRepoFile } from './support/repo';

describe.each(APPS)('apps/%s/Dockerfile', (app) => {
  const content = readRepoFile('apps', app, 'Dockerfile');

  it('passes the Dockerfile linter', () => {
    expect(lintDockerfile(content)).toEqual([]);
  });

  it('follows the project rules (multi-stage, npm ci, non-root, HEALTHCHECK, exec-form node, tagged bases)', () => {
    expect(dockerfileRules(content, app, appGetRoutes(app))).toEqual([]);
  });

  it('starts node with the same runtime flags as `nx serve` (what the bench measures)', () => {
    const project: unknown = JSON.parse(readRepoFile('apps', app, 'project.json'));
    const runtimeArgs = (project as { targets: { serve: { options: { runtimeArgs?: string[] } } } })
      .targets.serve.options.runtimeArgs;
    expect(finalCommand(content)).toEqual(['node', ...(runtimeArgs ?? []), 'main.js']);
  });

  it("runs node on jemalloc: installs Debian's libjemalloc2 and preloads it by soname (what the bench measures)", () => {
    expect(finalStageAptPackages(content)).toContain('libjemalloc2');
    expect(finalStageEnv(content).get('LD_PRELOAD')).toBe('libjemalloc.so.2');
  });
});

describe('.dockerignore', () => {
  it('keeps host artefacts, VCS data and env files out of the build context', () => {
    expect(dockerignoreProblems(readRepoFile('.dockerignore'))).toEqual([]);
  });

  it('reports a missing entry', () => {
    expect(dockerignoreProblems('node_modules\ndist\n')).toContain('.dockerignore lacks .env');
  });
});

describe('the checks catch broken Dockerfiles', () => {
  it("reads the packages of the final stage only, without apt-get's flags", () => {
    const content = [
      'FROM node:24-bookworm-slim AS build',
      'RUN apt-get install -y python3',
      'FROM node:24-bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 tini \\',
      ' && rm -rf /var/lib/apt/lists/*',
      '',
    ].join('\n');
    expect(finalStageAptPackages(content)).toEqual(['libjemalloc2', 'tini']);
    expect(finalStageAptPackages('FROM node:24-bookworm-slim\nRUN npm ci\n')).toEqual([]);
  });

  it('the linter reports unknown instructions, bad ports and bad flags', () => {
    const content = [
      'FROM node:20-bookworm-slim',
      'FROOM x',
      'EXPOSE http',
      'HEALTHCHECK --interval=5parsecs CMD true',
      '',
    ].join('\n');
    expect(lintDockerfile(content)).toEqual([
      'line 2: Unknown instruction: FROOM',
      'line 3: Invalid containerPort: http',
      expect.stringMatching(/^line 4: .*5parsecs/),
    ]);
  });

  it('the rules report a single-stage, npm install, root, latest, shell-form image', () => {
    const content = [
      'FROM node:latest',
      'WORKDIR /app',
      'COPY . .',
      'RUN npm install && npx nx build gateway',
      'EXPOSE 8080',
      'HEALTHCHECK CMD node -e "fetch(\'http://127.0.0.1:8080/healthz\')"',
      'CMD node dist/apps/gateway/main.js',
      '',
    ].join('\n');
    expect(dockerfileRules(content, 'gateway', appGetRoutes('gateway'))).toEqual([
      'must be a multi-stage build (build stage + runtime stage)',
    ]);
    const twoStages = content.replace(
      'FROM node:latest',
      'FROM node:latest AS build\nRUN true\nFROM node',
    );
    expect(dockerfileRules(twoStages, 'gateway', appGetRoutes('gateway'))).toEqual([
      'FROM node:latest: uses the latest tag',
      'FROM node: no tag (means latest)',
      'build stage does not run npm ci',
      'build stage does not run nx build gateway',
      'final stage uses npm install, not npm ci',
      'final stage does not run npm ci --omit=dev',
      'final stage does not COPY --from=<build stage> dist/apps/gateway',
      'final stage does not set ENV NODE_ENV=production',
      'final stage has no USER (would run as root)',
      'final stage does not EXPOSE 8000',
      'healthcheck http://127.0.0.1:8080/healthz: port 8080 is not the HTTP port 8000',
      'healthcheck http://127.0.0.1:8080/healthz: /healthz is not /health/live or /health/ready',
      'final stage CMD must be exec form (JSON array): shell form puts /bin/sh in front of node and SIGTERM never reaches it',
    ]);
  });

  it('the rules report USER root and a missing HEALTHCHECK', () => {
    const content = readRepoFile('apps', 'predictor', 'Dockerfile')
      .replace('USER node', 'USER root')
      .replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '');
    expect(dockerfileRules(content, 'predictor', appGetRoutes('predictor'))).toEqual([
      'final stage USER root is root',
      'final stage has no HEALTHCHECK',
    ]);
  });
});
