import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { encodeFrame, frameReader } from './frames';
import { connectRawBackend, floorAnswer } from './raw-backend';
import type { RawBackend } from './raw-backend';

describe(connectRawBackend.name, () => {
  let server: Server;
  let backend: RawBackend;

  beforeAll(async () => {
    // Answers out of order (the second request first), as a busy predictor may.
    server = createServer((socket) => {
      const held: Array<{ id: number; input: string }> = [];
      socket.on(
        'data',
        frameReader((value) => {
          held.push(value as { id: number; input: string });
          if (held.length < 2) return;
          for (const request of held.reverse())
            socket.write(encodeFrame({ id: request.id, echo: request.input }));
          held.length = 0;
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = connectRawBackend((server.address() as AddressInfo).port);
  });

  afterAll(async () => {
    backend.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('matches each reply to its request by id over one socket', async () => {
    await expect(
      Promise.all([backend.predict('first'), backend.predict('second')]),
    ).resolves.toEqual([{ echo: 'first' }, { echo: 'second' }]);
  });

  it('answers as the raw gateway does: local, forwarded, or refused', async () => {
    const local = await floorAnswer(backend, { data: 'x', forward_to_model: false });
    expect(local).toEqual({ status: 'Input logged successfully', request_id: expect.any(String) });
    const [forwarded] = await Promise.all([
      floorAnswer(backend, { data: 'a' }),
      floorAnswer(backend, { data: 'b', forward_to_model: true }),
    ]);
    expect(forwarded).toMatchObject({ model_prediction: { echo: 'a' } });
    expect(await floorAnswer(backend, { data: 42 })).toBeNull();
    expect(await floorAnswer(backend, null)).toBeNull();
  });
});
