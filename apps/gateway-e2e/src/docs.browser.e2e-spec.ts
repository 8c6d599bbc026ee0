import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { startGateway, startPredictor } from './support/system';
import type { GatewayHandle, PredictorHandle } from './support/system';

/** Debian's package; CI installs it (.ci/run). Not Playwright's own download. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(__dirname, '..', '..', '..', 'tmp', 'docs-try-it-out.png');

const BODY = { data: 'wags its tail when I come home', forward_to_model: true };

const chromiumPresent = existsSync(CHROMIUM);
const onCi = process.env['CI'] === 'true';
if (!chromiumPresent && !onCi) {
  process.stdout.write(
    `docs.browser.e2e-spec: SKIPPED, ${CHROMIUM} is not installed ` +
      '(apt-get install -y --no-install-recommends chromium); with CI=true this is a failure.\n',
  );
}

describe('Swagger UI at /docs, in a real browser', () => {
  let predictor: PredictorHandle;
  let gateway: GatewayHandle;
  let context: BrowserContext | undefined;
  let profile: string | undefined;

  beforeAll(async () => {
    if (!chromiumPresent) return;
    predictor = await startPredictor();
    gateway = await startGateway([predictor.tcpPort]);
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await gateway?.process.stop();
    await predictor?.process.stop();
  });

  (chromiumPresent || onCi ? it : it.skip)(
    'runs "Try it out" on POST /process under the CSP it serves and shows a 200 with a prediction',
    async () => {
      if (!chromiumPresent) {
        throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs it with apt-get`);
      }
      profile = mkdtempSync(join(tmpdir(), 'docs-browser-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        headless: true,
        viewport: { width: 1280, height: 1000 },
      });
      // Under the CSP the gateway itself serves on Swagger UI's pages (helmet's, which allows
      // same-origin scripts and no inline script), not one this test supplies.
      const served = await fetch(`${gateway.url}/docs`);
      const csp = served.headers.get('content-security-policy') ?? '';
      await served.body?.cancel();
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });

      await page.goto(`${gateway.url}/docs`);
      const operation = page.locator('.opblock-post', {
        has: page.locator('.opblock-summary-path[data-path="/process"]'),
      });
      await operation.locator('.opblock-summary').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      await operation.locator('textarea.body-param__text').fill(JSON.stringify(BODY, null, 2));
      await operation.getByRole('button', { name: 'Execute' }).click();

      const live = operation.locator('.live-responses-table .response');
      await live.locator('.response-col_status').first().waitFor({ timeout: 15_000 });
      const status = (await live.locator('.response-col_status').first().textContent())?.trim();
      const body =
        (await live.locator('.response-col_description pre').first().textContent()) ?? '';
      // The server's answer as Swagger UI shows it: status, body, headers, duration.
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await live.first().screenshot({ path: SCREENSHOT });

      expect(status).toBe('200');
      const answer = JSON.parse(body) as {
        status: string;
        model_prediction?: { prediction: { class: string } };
      };
      expect(answer.status).toBe('Input logged successfully');
      expect(answer.model_prediction?.prediction.class).toBe('dog');
      expect(problems).toEqual([]);
    },
    60_000,
  );
});
