import { parseCliOptions } from './cli-options';

describe(parseCliOptions.name, () => {
  it('reads the ports and mode, in either argument form', () => {
    expect(parseCliOptions(['--listen', '9877', '--target=8877', '--mode', 'latency:200'])).toEqual(
      {
        listenPort: 9877,
        targetPort: 8877,
        listenHost: '127.0.0.1',
        targetHost: '127.0.0.1',
        mode: 'latency:200',
      },
    );
  });

  it('defaults to pass on 127.0.0.1, and takes other loopback hosts', () => {
    expect(
      parseCliOptions([
        '--listen=1',
        '--target=2',
        '--listen-host=::1',
        '--target-host',
        '127.0.0.2',
      ]),
    ).toMatchObject({
      mode: 'pass',
      listenHost: '::1',
      targetHost: '127.0.0.2',
    });
  });

  it.each([
    [['--target', '1'], '--listen is required'],
    [['--listen', 'x', '--target', '1'], '--listen must be a port number'],
    [['--listen', '1', '--target', '1', '--mode', 'slow'], 'unknown fault mode "slow"'],
    [['--listen', '1', '--target', '1', '--colour', 'red'], 'unknown option --colour'],
    [['--listen'], '--listen needs a value'],
    [['9877'], 'unexpected argument "9877"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliOptions(argv)).toThrow(message);
  });
});
