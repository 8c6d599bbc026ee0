export default {
  displayName: 'text-classifier',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/text-classifier',
};
