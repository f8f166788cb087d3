import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../src/records/call-record.ts';
import { emptyBatch } from '../src/records/store.ts';
import { hasChromium, launchChromium } from './support/chromium.ts';
import { apiToken, type RecordsStack, startRecordsStack, waitFor } from './support/records-stack.ts';

describe.skipIf(!hasChromium)('the operator dashboard in a browser', () => {
  let browser: Browser;
  let stack: RecordsStack | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  /** Console errors other than the failed requests the page makes on purpose (401 without a token). */
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    page = undefined;
    await stack?.close();
    stack = undefined;
  });

  async function openDashboard(s: RecordsStack): Promise<Page> {
    consoleErrors = [];
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p = await context.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    p.on('pageerror', (err) => consoleErrors.push(err.message));
    await p.goto(`${s.serverUrl}/dashboard`);
    return p;
  }

  it('says clearly that the operator API is off when API_TOKEN is unset', async () => {
    stack = await startRecordsStack({ env: { API_TOKEN: undefined } });
    page = await openDashboard(stack);
    const notice = page.getByRole('alert').filter({ hasText: 'The operator API is off' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('API_TOKEN');
    expect(await page.getByLabel('API token').isVisible()).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  it('asks for the token, follows a live call as it is spoken, says, hangs up, then shows the record', async () => {
    stack = await startRecordsStack();
    page = await openDashboard(stack);

    // The token prompt; a wrong token is refused beside the input.
    const tokenInput = page.getByLabel('API token');
    await tokenInput.waitFor();
    await tokenInput.fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#token-error', { hasText: 'wrong API token' }).waitFor();
    expect(await tokenInput.getAttribute('aria-invalid')).toBe('true');
    await tokenInput.fill(apiToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    // The overview opens first; the live and recent calls are a page away.
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('heading', { name: /Live calls/ }).waitFor();
    expect(page.url()).not.toContain(apiToken);
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.apiToken'))).toBe(apiToken);

    const said = ['Hi, this is Dana calling about my order.', 'It was supposed to arrive on Monday.', 'The order number is <b>4417</b>.'];
    const call = await stack.emulator.placeCall({
      steps: [{ say: said[0]! }, { wait: 400 }, { say: said[1]! }, { wait: 400 }, { say: said[2]! }, { wait: 60_000 }],
      idleHangupMs: 60_000,
    });

    // The call appears among the live calls and its transcript streams in, in order.
    const card = page.locator(`article.live-card[data-call-id="${call.id}"]`);
    await card.waitFor();
    expect(await card.locator('.live-caller').textContent()).toBe('+19195551234');
    expect(await card.locator('.live-meta').textContent()).toBe('to +19195550000 · profile default');
    const lines = card.locator('.transcript .line .text');
    await card.locator('.transcript .line', { hasText: '4417' }).waitFor();
    expect(await lines.allTextContents()).toEqual(['Hello! How can I assist you today?', ...said]);
    expect(await card.locator('.transcript .line .speaker').allTextContents()).toEqual(['Agent', 'Caller', 'Caller', 'Caller']);
    expect(await card.locator('.transcript b').count()).toBe(0); // text, never markup
    expect(await card.getByRole('log').getAttribute('aria-live')).toBe('polite');

    // A bad transfer target: the API's 400 names the field, shown beside the input.
    const transferInput = card.getByLabel('Transfer to');
    await transferInput.fill('extension 12');
    await card.getByRole('button', { name: 'Transfer' }).click();
    await card.locator('.transfer-error', { hasText: 'target: expected an E.164 number' }).waitFor();
    expect(await transferInput.getAttribute('aria-invalid')).toBe('true');
    expect(stack.emulator.call(call.id)!.refers).toHaveLength(0);

    // Say: the instruction reaches the model as a system message.
    const instruction = 'Tell the caller the courier is on the way.';
    await card.getByLabel('Say').fill(instruction);
    await card.getByRole('button', { name: 'Say', exact: true }).click();
    await card.locator('.card-status', { hasText: 'Instruction sent' }).waitFor();
    const instructed = await waitFor(() => {
      const events = stack!.emulator.call(call.id)!.clientEvents.map((e) => e.event as Record<string, any>);
      return events.find((e) => e.type === 'conversation.item.create' && e.item?.role === 'system');
    }, 'the instruction at the emulator');
    expect(instructed.item.content[0].text).toContain(instruction);
    await card.locator('.line-note', { hasText: instruction }).waitFor();

    await page.screenshot({ path: '/tmp/dashboard.png', fullPage: true });

    // Hang up, after the confirmation.
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Hang up' }).click();
    const emulated = await call.ended;
    expect(emulated.endedBy).toBe('hangup');
    expect(emulated.hangups).toHaveLength(1);

    // The ended call joins the recent calls; its detail has the record.
    const row = page.locator(`#calls-body tr[data-call-id="${call.id}"]`);
    await row.filter({ hasText: 'Completed' }).waitFor();
    await card.waitFor({ state: 'detached' });
    await row.getByRole('link', { name: '+19195551234' }).click();
    await page.getByRole('heading', { name: 'Call from +19195551234' }).waitFor();
    expect(await page.locator('#detail-outcome').textContent()).toBe('Completed');
    const fields = Object.fromEntries(
      await page
        .locator('.d-call .field-row')
        .evaluateAll((rows) => rows.map((r) => [r.querySelector('dt')!.textContent, r.querySelector('dd')!.textContent])),
    );
    expect(fields).toMatchObject({
      Outcome: 'Completed',
      'End reason': 'operator hangup',
      Caller: '+19195551234',
      Dialed: '+19195550000',
      Profile: 'default',
      'Call ID': call.id,
    });
    // The turns as the emulator had them, with the supervisor's instruction where it came.
    const turns = emulated.transcript.map((t) => t.text);
    expect(turns.slice(0, 4)).toEqual(['Hello! How can I assist you today?', ...said]);
    expect(await page.locator('.d-transcript .line .text').allTextContents()).toEqual([
      ...turns.slice(0, 4),
      instruction,
      ...turns.slice(4),
    ]);
    expect(await page.locator('.d-transcript .line-note .text').allTextContents()).toEqual([instruction]);
    const timeline = await page.locator('.d-timeline tbody tr td:nth-child(3)').allTextContents();
    expect(timeline).toEqual(expect.arrayContaining(['call.accepted', 'operator.instructed', 'call.ended']));
    expect(await page.locator('.d-usage').textContent()).toMatch(/Total tokens\d/);
    await page.screenshot({ path: '/tmp/dashboard-detail.png', fullPage: true });

    // Back to the list; the filters reach the API, and its 400 is shown beside the filter.
    await page.getByRole('link', { name: '← All calls' }).click();
    await page.getByLabel('Caller').fill('not a number');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#f-caller-error', { hasText: 'caller' }).waitFor();
    await page.getByLabel('Caller').fill('+19195551234');
    await page.getByLabel('Transcript contains').fill('order number');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#f-caller-error').waitFor({ state: 'hidden' });
    expect(await page.locator('#calls-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-call-id')))).toEqual([call.id]);
    await page.getByLabel('Transcript contains').fill('nobody said this');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No calls match these filters.').waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.locator(`#calls-body tr[data-call-id="${call.id}"]`).waitFor();
    await page.screenshot({ path: '/tmp/dashboard-phone.png', fullPage: true });

    // Forgetting the token brings the prompt back.
    await page.getByRole('button', { name: 'Forget token' }).click();
    await tokenInput.waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('switchboard.apiToken'))).toBeNull();
    expect(consoleErrors).toEqual([]);
  });

  /** A record as the store would hold it, written straight to the store. */
  function storedCall(callId: string, startedAt: Date, more: Partial<CallRecord> = {}): CallRecord {
    const at = startedAt.toISOString();
    return {
      callId,
      caller: '+14155550199',
      dialed: '+19195550000',
      sipCallId: null,
      sipHeaders: [],
      profile: 'default',
      surface: 'realtime',
      recording: false,
      outcome: 'completed',
      endReason: 'caller_hangup',
      startedAt: at,
      acceptedAt: at,
      connectedAt: at,
      endedAt: new Date(startedAt.getTime() + 30_000).toISOString(),
      answerMs: 10,
      transfer: null,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      tools: [],
      errors: [],
      reconnects: 0,
      updatedAt: at,
      owner: null,
      ...more,
    };
  }

  async function signIn(p: Page): Promise<void> {
    await p.getByLabel('API token').fill(apiToken);
    await p.getByRole('button', { name: 'Connect' }).click();
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
    await p.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Calls' }).click();
    await p.getByRole('heading', { name: /Live calls/ }).waitFor();
  }

  it('plays a GPT-Live call recording in the call detail, through a signed link', async () => {
    stack = await startRecordsStack({
      env: { AGENT_SURFACE: 'live', RECORDING: 'true' },
      server: { recordingDownloads: { firstDelayMs: 50, backoff: { baseMs: 20, maxMs: 20 } } },
    });
    const call = await stack.emulator.placeCall({
      webhooks: ['live'],
      steps: [{ say: 'Hello, I would like to book a visit.' }, { wait: 300 }, { hangup: true }],
    });
    await call.ended;
    page = await openDashboard(stack);
    await page.getByLabel('API token').fill(apiToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.goto(`${stack.serverUrl}/dashboard#/calls/${call.liveSessionId}`);
    await page.getByRole('heading', { name: 'Call from +19195551234' }).waitFor();
    // Downloaded after the call: the detail looks again until the player appears.
    const audio = page.locator('.d-recording audio');
    await audio.waitFor();
    expect(await audio.getAttribute('src')).toMatch(new RegExp(`^/api/calls/${call.liveSessionId}/recording\\?expires=\\d+&signature=`));
    expect(await page.locator('.d-call .field-row', { hasText: 'Surface' }).locator('dd').textContent()).toBe('GPT-Live');
    // Billed by the session's minutes: no Realtime or transcription lines.
    expect(await page.locator('.field-row', { hasText: 'Live session' }).locator('dd').textContent()).toMatch(/^\$0\.\d+ \(gpt-live-1\)$/);
    expect(await page.locator('.field-row', { hasText: /^Realtime model/ }).count()).toBe(0);
    expect(await page.locator('.field-row', { hasText: 'Audio (GPT-Live)' }).locator('dd').textContent()).toMatch(/^\d+(\.\d+)? s$/);
    // The browser loads the WAV itself (no token: the link is signed) and knows its length.
    const seconds = await audio.evaluate(
      (el) =>
        new Promise<number>((resolve, reject) => {
          const media = el as unknown as {
            duration: number;
            error: { code: number } | null;
            preload: string;
            load(): void;
            addEventListener(type: string, fn: () => void, opts: object): void;
          };
          media.addEventListener('loadedmetadata', () => resolve(media.duration), { once: true });
          media.addEventListener('error', () => reject(new Error(`media error ${media.error?.code}`)), { once: true });
          media.preload = 'auto';
          media.load();
        }),
    );
    expect(seconds).toBeGreaterThan(0.2);
    expect(await page.locator('.d-recording a', { hasText: 'Download the WAV' }).getAttribute('download')).toBe(
      `${call.liveSessionId}.wav`,
    );
    await page.screenshot({ path: '/tmp/dashboard-recording.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('pages through the recent calls with Load more, following the API’s cursor', async () => {
    stack = await startRecordsStack();
    const base = Date.parse('2025-06-01T12:00:00Z');
    const calls = Array.from({ length: 30 }, (_, i) => storedCall(`rtc_page_${String(i).padStart(2, '0')}`, new Date(base + i * 60_000)));
    await stack.store.writeBatch({ ...emptyBatch(), calls });
    page = await openDashboard(stack);
    await signIn(page);
    const rowIds = () => page!.locator('#calls-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-call-id')));
    const newestFirst = calls.map((c) => c.callId).reverse();
    await page.locator('#calls-body tr').nth(24).waitFor();
    expect(await rowIds()).toEqual(newestFirst.slice(0, 25));
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.locator('#calls-body tr').nth(29).waitFor();
    expect(await rowIds()).toEqual(newestFirst);
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'hidden' });
    expect(await page.locator('#calls-body tr').first().locator('td').nth(5).textContent()).toBe('0:30');
    expect(consoleErrors).toEqual([]);
  });

  it('marks a call in progress in the store but not live here, and shows the refusal of an action plainly', async () => {
    stack = await startRecordsStack();
    const ghost = storedCall('rtc_left_over_from_a_crash', new Date(), { outcome: 'in_progress', endReason: null, endedAt: null });
    await stack.store.writeBatch({ ...emptyBatch(), calls: [ghost] });
    page = await openDashboard(stack);
    await signIn(page);
    const card = page.locator(`article.live-card[data-call-id="${ghost.callId}"]`);
    await card.locator('.card-status', { hasText: 'Not live: no instance controls it' }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Hang up' }).click();
    await card
      .getByRole('alert')
      .filter({ hasText: `call ${ghost.callId} is not live` })
      .waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
