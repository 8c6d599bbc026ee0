const { nodeAppConfig } = require('../../tools/webpack/node-app.config');

module.exports = nodeAppConfig(__dirname, {
  // The input log's SQL migrations, read at start by node-pg-migrate (beside main.js: `migrations/`).
  assets: [
    {
      input: 'apps/gateway/src/input-log/database/migrations',
      glob: '*.sql',
      output: 'migrations',
    },
  ],
});
