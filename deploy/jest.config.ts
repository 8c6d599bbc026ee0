export default {
  displayName: 'deploy',
  preset: '../jest.preset.js',
  coverageDirectory: '../coverage/deploy',
};
