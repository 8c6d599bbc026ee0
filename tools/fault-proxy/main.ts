/**
 * The fault proxy by hand: put it between the gateway and a predictor, then
 * switch modes while traffic flows.
 *
 *   npx nx run tools:fault-proxy -- --listen 9877 --target 8877 --mode latency:200
 *
 * See tools/fault-proxy/README.md.
 */
import { createInterface } from 'node:readline';
import { FaultProxy } from '@ml-system/fault-proxy';
import { parseCliOptions } from './cli-options';

async function main(): Promise<void> {
  const proxy = await FaultProxy.start(parseCliOptions(process.argv.slice(2)));
  console.log(
    `${String(proxy)}: type a mode (pass, latency:<ms>, blackhole, reset, refuse) or "status"`,
  );

  const stop = (): void => {
    void proxy.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  // Without a terminal (stdin closed at once) the proxy keeps running in its mode.
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const command = line.trim();
    if (command === '') return;
    if (command === 'status') {
      console.log(`${String(proxy)}, ${proxy.connections} open, ${proxy.accepted} accepted`);
      return;
    }
    proxy
      .setMode(command)
      .then(() => console.log(String(proxy)))
      .catch((error: unknown) =>
        console.error(error instanceof Error ? error.message : String(error)),
      );
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
