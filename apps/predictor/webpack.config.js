const { nodeAppConfig } = require('../../tools/webpack/node-app.config');

module.exports = nodeAppConfig(__dirname, {
  // The trained model ships beside main.js (bundledModelPath() looks there).
  assets: [{ input: './assets', glob: '**/*', output: 'assets' }],
});
