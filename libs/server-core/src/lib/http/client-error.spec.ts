import type { Socket } from 'node:net';
import { problemClientErrorHandler } from './client-error';

/** The part of a socket the handler touches, recording what it writes. */
function fakeSocket(overrides: { destroyed?: boolean } = {}): Socket & { written: string[] } {
  const written: string[] = [];
  const socket = {
    written,
    destroyed: overrides.destroyed ?? false,
    writable: true,
    write: (chunk: string) => written.push(chunk) > 0,
    destroy: jest.fn(),
  };
  return socket as unknown as Socket & { written: string[] };
}

const error = (code?: string): Error & { code?: string } =>
  Object.assign(new Error('parser internals at /x.js:1'), { code });

describe(problemClientErrorHandler.name, () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_HEADER_OVERFLOW', 431, 'PAYLOAD_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'VALIDATION_FAILED'],
    [undefined, 400, 'VALIDATION_FAILED'],
  ])('answers %s with a %i problem and closes', (code, status, problemCode) => {
    const socket = fakeSocket();
    problemClientErrorHandler(error(code), socket);
    const [raw = ''] = socket.written;
    expect(raw).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(raw).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    expect(raw).toMatch(/\r\nConnection: close\r\n/);
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({
      status,
      code: problemCode,
      type: expect.stringMatching(/^\/problems\//),
    });
    expect(body).not.toContain('parser internals');
    expect(socket.destroy).toHaveBeenCalled();
  });

  it('writes nothing to a reset or destroyed socket', () => {
    const reset = fakeSocket();
    problemClientErrorHandler(error('ECONNRESET'), reset);
    const gone = fakeSocket({ destroyed: true });
    problemClientErrorHandler(error('HPE_INVALID_METHOD'), gone);
    expect([...reset.written, ...gone.written]).toEqual([]);
  });
});
