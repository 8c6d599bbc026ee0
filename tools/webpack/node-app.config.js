const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('node:path');

/**
 * Packages left to Node's own `require` at run time (from the image's
 * node_modules), each with the reason it cannot or should not be bundled.
 * A request for one of them or a file inside it (`pkg/sub/path`) stays a
 * `require()` in main.js. These must be installed by the runtime image's
 * `npm ci --omit=dev` (deploy/test/bundle-externals.spec.ts checks the lockfile).
 */
const RUNTIME_DEPENDENCIES = [
  // Native addon (.node binaries per platform), loaded by the predictor's model worker.
  'onnxruntime-node',
  // pino starts its transports (pino-pretty in development) in worker threads
  // from files it finds beside its own sources; thread-stream and sonic-boom
  // come with it.
  'pino',
  // Loaded only when the shipper migrates; it reads and may `require()` the
  // migration files it is pointed at, which webpack cannot follow.
  'node-pg-migrate',
  // Swagger UI's assets are served from this package's own directory (found
  // through its `__dirname`), so it must be the installed copy.
  'swagger-ui-dist',
];

/** External too, but optional: probed for, and absent from a production install. */
const OPTIONAL_RUNTIME_PACKAGES = [
  // A dev dependency the root logger probes for (pretty logs in development).
  'pino-pretty',
  // pg's native binding (libpq), loaded by `pg` only when asked for.
  'pg-native',
];

const RUNTIME_PACKAGES = [...RUNTIME_DEPENDENCIES, ...OPTIONAL_RUNTIME_PACKAGES];

/** `pkg` of a bare request `pkg` or `pkg/sub/path` (`@scope/pkg` for scoped ones); undefined for relative and absolute paths. */
function packageOf(request) {
  if (
    !request ||
    request.startsWith('.') ||
    request.startsWith('/') ||
    request.startsWith('node:')
  ) {
    return undefined;
  }
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * webpack externals: the packages above, and any package that is not
 * installed at build time. The latter are the optional packages Nest and its
 * modules probe for lazily (`@nestjs/websockets`, `@nestjs/platform-express`,
 * `kafkajs`, `@grpc/grpc-js`, ORMs for terminus's health indicators, ...):
 * left as a `require()`, a missing one fails at run time exactly as it did
 * when every package was external, which is what those probes expect.
 */
function runtimeExternals({ request, context, getResolve }, callback) {
  const pkg = packageOf(request);
  if (!pkg) return callback();
  if (RUNTIME_PACKAGES.includes(pkg)) return callback(null, `commonjs ${request}`);
  getResolve()(context, request, (error) => {
    if (error) return callback(null, `commonjs ${request}`);
    callback();
  });
}

/**
 * NxAppWebpackPlugin turns webpack's Node shims off (`node: false`), which
 * leaves `import.meta.dirname` and `import.meta.filename` of bundled ES
 * modules (@nestjs/terminus has them) in main.js as they are: Node then takes
 * the whole CommonJS bundle for an ES module and fails. `eval-only` writes
 * them as `__dirname`/`__filename`, and leaves those as Node's own (the
 * directory of main.js, where our code looks for its assets), as before.
 */
class NodeDirnameAsRuntime {
  apply(compiler) {
    compiler.options.node = { global: false, __dirname: 'eval-only', __filename: 'eval-only' };
  }
}

/**
 * main.js with its whitespace and comments removed and every character outside
 * ASCII written as an escape; names, statements and expressions stay as
 * written (no compression, no mangling), so stack traces keep our function
 * names. Why: V8 keeps each script's source as a string for as long as the
 * process runs (lazy compilation reads it again), and one character above
 * U+00FF anywhere in the bundle (an em dash in a comment, an emoji in a
 * dependency's message) makes it a two-byte string: the 6.3 MB bundle held
 * 12.5 MB of each process's heap. ASCII and compact, it holds ~3 MB, and the
 * parse at start leaves less garbage in malloc's heap: ~16 MiB less RSS per
 * process (PERFORMANCE.md, issue #18). The minimizer is the one
 * NxAppWebpackPlugin set up (Nx's terser-webpack-plugin, which webpack
 * itself depends on), constructed again with these options.
 */
class CompactAsciiOutput {
  apply(compiler) {
    const optimization = compiler.options.optimization;
    const [nxMinimizer] = optimization.minimizer ?? [];
    if (typeof nxMinimizer?.constructor !== 'function') {
      throw new Error('CompactAsciiOutput: NxAppWebpackPlugin set no minimizer to configure');
    }
    const Minimizer = nxMinimizer.constructor;
    optimization.minimize = true;
    optimization.minimizer = [
      new Minimizer({
        parallel: true,
        extractComments: false,
        terserOptions: {
          compress: false,
          mangle: false,
          format: { ascii_only: true, comments: 'some' },
        },
      }),
    ];
  }
}

/** The module of @nestjs/common that NestLogTimestampOnFirstUse replaces, as its importers ask for it. */
const NEST_LOG_TIMESTAMP_REQUEST = './utils/format-log-timestamp.util.js';
/** Where those importers are: @nestjs/common's `services` directory. */
const NEST_SERVICES_DIR = /[\\/]node_modules[\\/]@nestjs[\\/]common[\\/]services$/;

/**
 * @nestjs/common's log-timestamp module, replaced in the bundle by
 * nest-log-timestamp.mjs (same export, same text), which makes its
 * Intl.DateTimeFormat when first called rather than when loaded: that one
 * formatter, made at start by every process, kept ~5 MiB of the node binary's
 * ICU data resident (issue #18). The build fails if nothing was replaced (a
 * Nest release moved or renamed the module), so the saving cannot go away
 * unnoticed; deploy/test/nest-log-timestamp.*spec.ts hold the two modules equal.
 */
class NestLogTimestampOnFirstUse {
  apply(compiler) {
    let replaced = false;
    new compiler.webpack.NormalModuleReplacementPlugin(
      /format-log-timestamp\.util\.js$/,
      (resource) => {
        if (
          resource.request === NEST_LOG_TIMESTAMP_REQUEST &&
          NEST_SERVICES_DIR.test(resource.context)
        ) {
          resource.request = join(__dirname, 'nest-log-timestamp.mjs');
          replaced = true;
        }
      },
    ).apply(compiler);
    compiler.hooks.afterCompile.tap('NestLogTimestampOnFirstUse', (compilation) => {
      if (!replaced) {
        compilation.errors.push(
          new compiler.webpack.WebpackError(
            `NestLogTimestampOnFirstUse: no import of ${NEST_LOG_TIMESTAMP_REQUEST} from @nestjs/common/services to replace`,
          ),
        );
      }
    });
  }
}

/**
 * The webpack config both services build with: a Node bundle of `src/main.ts`
 * in `dist/apps/<app>`, compiled by tsc (not esbuild/swc-strip: Nest's DI and
 * validation need decorator metadata).
 *
 * node_modules are bundled too, except RUNTIME_PACKAGES and packages that are
 * not installed. Why: start-to-ready. NestJS 12's packages are ES modules only,
 * so with node_modules external each process spent ~0.4-0.55 s at start in
 * Node's require(esm) loader resolving, reading, compiling and linking ~1,300
 * files one by one; one bundle is one file to read and compile: CPU time to
 * readiness fell by ~45% (PERFORMANCE.md, issue #18). Compacted, not
 * minified (CompactAsciiOutput): stack traces keep their names and the
 * source map maps them back to the sources. Packages reached only through a dynamic
 * `import()` become chunks beside main.js (`<n>.js`), loaded when used.
 *
 * @param {string} projectDir the app's directory (its webpack.config.js's __dirname)
 * @param {{ assets?: unknown[], additionalEntryPoints?: { entryName: string, entryPath: string }[] }} [options]
 */
function nodeAppConfig(projectDir, options = {}) {
  return {
    output: {
      path: join(projectDir, '../../dist/apps', basename(projectDir)),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    externals: [runtimeExternals],
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: options.assets ?? [],
        additionalEntryPoints: options.additionalEntryPoints ?? [],
        externalDependencies: 'none',
        mergeExternals: true,
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
      new NodeDirnameAsRuntime(),
      new CompactAsciiOutput(),
      new NestLogTimestampOnFirstUse(),
    ],
    ignoreWarnings: [
      // Some packages publish source maps that point at sources they do not ship.
      { message: /Failed to parse source map/ },
      // Nest's loaders of optional packages also accept a name in a variable; its
      // own callers pass a loader with a literal name, which the externals handle.
      { module: /node_modules[\\/]@nestjs[\\/]/, message: /Critical dependency/ },
    ],
  };
}

module.exports = {
  nodeAppConfig,
  CompactAsciiOutput,
  NEST_LOG_TIMESTAMP_REQUEST,
  RUNTIME_DEPENDENCIES,
  OPTIONAL_RUNTIME_PACKAGES,
};
