// The dashboard's Set-up page in a real browser (Debian's chromium): the server runs the
// doctor's checks itself, against the emulator, and the page shows each with its fix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../src/config/config.ts';
import { type Emulator, startEmulator } from '../src/emulator/index.ts';
import { webhookPath } from '../src/inbound/webhook-route.ts';
import { createOpenAIConnection, type OpenAIConnection } from '../src/openai/openai-client.ts';
import { openSqliteStore } from '../src/records/sqlite-store.ts';
import type { Store } from '../src/records/store.ts';
import { buildSwitchboard, type Switchboard } from '../src/server/build-switchboard.ts';
import { hasChromium, launchChromium } from './support/chromium.ts';
import { freePort } from './support/server-process.ts';

const apiKey = 'sk-dashboard-setup-0123456789';
const apiToken = 'setup-page-token-0123456789abcdef';

describe.skipIf(!hasChromium)('the Set-up page in a browser', () => {
  let browser: Browser;
  let emu: Emulator;
  let server: Switchboard;
  let store: Store;
  let openai: OpenAIConnection;
  let dir: string;
  let base: string;
  let client: OpenAI;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    emu = await startEmulator({
      apiKey,
      webhookSecret: `whsec_${Buffer.from('unused-unused-unused-unused-0000').toString('base64')}`,
      logger: false,
      projectId: 'proj_page42',
    });
    client = new OpenAI({ apiKey, baseURL: emu.baseURL, maxRetries: 0 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // What `switchboard setup --url <base>` registers.
    const endpoint = await client.webhooks.create({
      name: 'Switchboard',
      url: `${base}${webhookPath}`,
      event_types: ['realtime.call.incoming'],
    });
    dir = mkdtempSync(join(tmpdir(), 'sb-setup-page-'));
    const env: Env = {
      OPENAI_API_KEY: apiKey,
      OPENAI_BASE_URL: emu.baseURL,
      OPENAI_WEBHOOK_SECRET: endpoint.signing_secret,
      REFER_TO: '+19195554321',
      PUBLIC_URL: base,
      API_TOKEN: apiToken,
      OPENAI_MODEL: 'gpt-realtime-2.1',
      LOG_LEVEL: 'silent',
    };
    const config = loadConfig(env);
    store = await openSqliteStore(join(dir, 'switchboard.db'));
    openai = createOpenAIConnection({ apiKey, baseURL: config.openaiBaseUrl, webhookSecret: config.webhookSecret });
    server = await buildSwitchboard(config, { log: pino({ level: 'silent' }), openai, store, env });
    await server.app.listen({ port, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    await store?.close();
    await openai?.close();
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const check = (page: Page, id: string) => page.locator(`#setup-checks li[data-check="${id}"]`);

  it('shows every check with its status; a broken secret turns into a failed check with its step and fix', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('API token').fill(apiToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor(); // the page that opens first

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Set-up' }).click();
    await page.getByRole('heading', { name: 'Set-up', level: 1 }).waitFor();
    const status = page.locator('#setup-status');
    await status.filter({ hasText: /passed|failed|Nothing failed/ }).waitFor();
    // The default models are current ones: every check passes.
    expect(await status.textContent()).toMatch(/^All checks passed · /);
    expect(await page.locator('#setup-checks > li').count()).toBe(9);
    for (const id of ['settings', 'store', 'api_key', 'webhook_endpoint', 'public_url', 'signing_secret']) {
      expect(await check(page, id).locator('.badge').textContent(), id).toBe('Passed');
    }
    expect(await check(page, 'models').locator('.badge').textContent()).toBe('Passed');
    expect(await check(page, 'public_url').locator('.check-message').textContent()).toContain(`arrived at this server (HTTP 200)`);
    expect(await check(page, 'bandwidth').textContent()).toContain('sip:proj_page42@sip.api.openai.com');
    expect(emu.webhookTests()).toHaveLength(1);
    expect(await page.getByRole('link', { name: 'Set-up' }).getAttribute('aria-current')).toBe('page');

    // The secret is rotated in the OpenAI dashboard behind the server's back.
    await client.webhooks.rotateSecret(emu.webhookEndpoints()[0]!.id);
    await page.getByRole('button', { name: 'Run the checks again' }).click();
    await status.filter({ hasText: '1 check failed' }).waitFor();
    const secret = check(page, 'signing_secret');
    expect(await secret.locator('.badge').textContent()).toBe('Failed');
    expect(await secret.locator('.check-step').textContent()).toBe('step 2 (OpenAI webhook)');
    expect(await secret.locator('.check-message').textContent()).toContain("this server refused the test delivery's signature");
    expect(await secret.locator('.check-fix').textContent()).toBe(
      `Fix: run \`switchboard setup --url ${base} --rotate\`, then restart Switchboard`,
    );
    expect(emu.webhookTests()).toHaveLength(2);
    await page.screenshot({ path: '/tmp/dashboard-setup.png', fullPage: true });

    // Back to the calls.
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('heading', { name: /Live calls/ }).waitFor();
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
