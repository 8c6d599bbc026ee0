const { nodeAppConfig } = require('../../tools/webpack/node-app.config');

module.exports = nodeAppConfig(__dirname, {
  // The trained model ships beside main.js (bundledModelPath() looks there).
  assets: [{ input: './assets', glob: '**/*', output: 'assets' }],
  // Each ONNX model version runs in a worker thread of its own (worker-session.ts looks beside main.js).
  additionalEntryPoints: [
    { entryName: 'model.worker', entryPath: './src/model/onnx/model.worker.ts' },
  ],
});
