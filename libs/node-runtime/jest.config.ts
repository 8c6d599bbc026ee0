export default {
  displayName: 'node-runtime',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/node-runtime',
};
