const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('node:path');

/**
 * The webpack config both services build with: a Node bundle of `src/main.ts`
 * in `dist/apps/<app>`, compiled by tsc (not esbuild/swc-strip: Nest's DI and
 * validation need decorator metadata), node_modules left external.
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
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: options.assets ?? [],
        additionalEntryPoints: options.additionalEntryPoints ?? [],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
    ],
  };
}

module.exports = { nodeAppConfig };
