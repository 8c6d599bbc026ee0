import { freePort, NodeProcess } from '@ml-system/test-support';
import {
  GATEWAY_MAIN,
  PREDICTOR_MAIN,
  postJson,
  startGateway,
  startPredictor,
} from './support/system';

describe('process lifecycle, end to end', () => {
  it('refuses to start on a bad variable, naming it', async () => {
    const gateway = NodeProcess.start('gateway', GATEWAY_MAIN, { GATEWAY_PORT: 'eighty' });
    expect(await gateway.exit()).toBe(1);
    expect(gateway.logs).toContain('GATEWAY_PORT="eighty"');
    expect(gateway.logs).not.toMatch(/\n\s+at /);
  });

  it('refuses to start the predictor without a loadable model', async () => {
    const predictor = NodeProcess.start('predictor', PREDICTOR_MAIN, {
      PREDICTOR_TCP_PORT: String(await freePort()),
      PREDICTOR_HTTP_PORT: String(await freePort()),
      MODEL_PATH: '/nonexistent/model.json',
    });
    expect(await predictor.exit()).toBe(1);
    expect(predictor.logs).toContain('Cannot load the model from /nonexistent/model.json');
  });

  it('drains on SIGTERM: exits 0 and frees its ports', async () => {
    const predictor = await startPredictor();
    const gateway = await startGateway([predictor.tcpPort]);
    expect((await postJson(`${gateway.url}/process`, { data: 'a goldfish' })).status).toBe(200);
    expect(await gateway.process.stop()).toBe(0);
    expect(await predictor.process.stop()).toBe(0);
    await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
  });
});
