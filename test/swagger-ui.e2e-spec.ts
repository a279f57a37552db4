import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { gatewayEnv, serveGateway, startSimulators, type Simulators } from './utils.js';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it where it is missing. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Swagger UI, loaded by a real browser under the gateway's Content-Security-Policy. */
describe('Swagger UI in headless Chromium', () => {
  let sims: Simulators;
  let gateway: Awaited<ReturnType<typeof serveGateway>>;
  let browser: Browser;

  beforeAll(async () => {
    sims = await startSimulators();
    gateway = await serveGateway(gatewayEnv(sims), sims.clock);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.app.close();
    await sims?.close();
  });

  it('renders the contract, with no CSP violation and no script error', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    // Runs in the page: the browser reports each blocked resource or inline style there.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));`,
    });
    const response = await page.goto(`${gateway.url}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Call-log gateway');
    // The operations, drawn from the document Swagger UI fetched under the same policy.
    await page.waitForSelector('.opblock-summary-path[data-path="/call-logs"]');
    expect(await page.locator('.opblock').count()).toBeGreaterThanOrEqual(4);
    expect(problems).toEqual([]);
    await page.close();
  });
});
