export default {
  displayName: 'fault-proxy',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/fault-proxy',
};
