// The overview and the routing preview in a real browser (Debian's chromium, driven by playwright-core),
// against the real server with a seeded store. The chart is checked on its pixels: each bar's
// coloured segments must be as tall as the counts they stand for.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallAnalysis, CallRecord, Outcome } from '../src/records/call-record.ts';
import { emptyBatch } from '../src/records/store.ts';
import { hasChromium, launchChromium } from './support/chromium.ts';
import { apiToken, type RecordsStack, startRecordsStack } from './support/records-stack.ts';

const hourMs = 3_600_000;

// The chart's colours (src/dashboard/stats-lib.js → outcomeStack), as RGB.
const palette: Record<string, [number, number, number]> = {
  completed: [0x2f, 0x6f, 0xed],
  transferred: [0xe3, 0x9b, 0x13],
  missed: [0x8b, 0x98, 0xa9],
  rejected: [0xd8, 0x43, 0x4f],
};

interface Seed {
  at: number;
  outcome: Outcome;
  reason?: string;
  dialed?: string;
  profile?: string;
  costUsd?: number;
  success?: boolean;
}

function stored(i: number, s: Seed): CallRecord {
  const at = new Date(s.at).toISOString();
  const answered = s.outcome === 'completed' || s.outcome === 'transferred';
  const analysis: CallAnalysis | null =
    s.success === undefined
      ? null
      : {
          status: 'done',
          model: 'gpt-6-luna',
          attempts: 2,
          summary: 'The caller asked where order A-1 is; it ships today.',
          success: s.success,
          fields: { resolved: s.success, orderNumber: 'A-1', customer: { tier: 'gold' } },
          tokens: null,
          costUsd: 0.0002,
          error: '503 overloaded',
          requestedAt: at,
          completedAt: at,
          nextAttemptAt: null,
        };
  return {
    callId: `rtc_ov_${i}`,
    caller: '+19195551234',
    dialed: s.dialed ?? '+19195550100',
    sipCallId: null,
    sipHeaders: [],
    profile: s.profile ?? 'reception',
    outcome: s.outcome,
    endReason: null,
    startedAt: at,
    acceptedAt: answered ? at : null,
    connectedAt: null,
    endedAt: new Date(s.at + (answered ? 90_000 : 0)).toISOString(),
    answerMs: answered ? 40 + i : null,
    transfer: s.reason
      ? { target: 'sip:x@y', status: 'referred', error: null, durationMs: 3, at, reason: s.reason, destination: 'billing' }
      : null,
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    tools: [],
    errors: [],
    reconnects: 0,
    updatedAt: at,
    owner: null,
    surface: 'realtime',
    recording: false,
    cost: {
      totalUsd: s.costUsd ?? 0,
      realtimeUsd: s.costUsd ?? 0,
      transcriptionUsd: 0,
      liveUsd: 0,
      analysisUsd: 0,
      unpriced: [],
      pricesCheckedOn: '2026-12-01',
    },
    analysis,
  };
}

describe.skipIf(!hasChromium)('the overview in a browser', () => {
  let browser: Browser;
  let stack: RecordsStack | undefined;
  let context: BrowserContext | undefined;
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
    await stack?.close();
    stack = undefined;
  });

  async function open(s: RecordsStack): Promise<Page> {
    consoleErrors = [];
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(`${s.serverUrl}/dashboard`);
    await page.getByLabel('API token').fill(apiToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    return page;
  }

  it('opens first, and draws calls per hour by outcome with the heights the counts call for', async () => {
    const env = { TOOLS_SIGNING_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    stack = await startRecordsStack({ server: { profileFile: { path: 'switchboard.example.yaml', env, watch: false } } });
    // Two busy hours inside the last 24: 3 completed + 2 transferred, then 1 completed, 1 missed, 1 rejected.
    const now = Date.now();
    const early = now - 5 * hourMs;
    const late = now - 2 * hourMs;
    const seeds: Seed[] = [
      { at: early, outcome: 'completed', costUsd: 0.12, success: true },
      { at: early + 60_000, outcome: 'completed', costUsd: 0.2, success: true },
      { at: early + 120_000, outcome: 'completed', costUsd: 0.16, success: false, dialed: '+19195550199' },
      { at: early + 180_000, outcome: 'transferred', reason: 'Billing question', costUsd: 0.1, profile: 'support', dialed: '+19195550199' },
      { at: early + 240_000, outcome: 'transferred', reason: 'billing question', costUsd: 0.1, profile: 'support', dialed: '+19195550199' },
      { at: late, outcome: 'completed', costUsd: 0.12 },
      { at: late + 60_000, outcome: 'missed' },
      { at: late + 120_000, outcome: 'rejected', profile: 'support' },
    ];
    await stack.store.writeBatch({ ...emptyBatch(), calls: seeds.map((s, i) => stored(i, s)) });

    const page = await open(stack);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe(
      'page',
    );
    await page.locator('#ov-chart canvas').waitFor();

    // The headline figures.
    const figures = Object.fromEntries(
      await page
        .locator('[data-figure]')
        .evaluateAll((nodes) =>
          nodes.map((n) => [
            n.getAttribute('data-figure'),
            [n.querySelector('.figure-value')!.textContent, n.querySelector('.figure-note')!.textContent],
          ]),
        ),
    );
    expect(figures).toEqual({
      calls: ['8', '6 answered'],
      answer: ['42 ms / 45 ms', 'webhook → accept, 6 calls'],
      transfers: ['33.3%', '2 transferred'],
      duration: ['1:30', '6 answered calls'],
      cost: ['$0.13', '$0.80 in all'],
      success: ['66.7%', '3 judged by the analysis'],
    });
    expect(await page.locator('#ov-reasons li').allTextContents()).toEqual(['billing question2']);
    expect(await page.locator('#ov-numbers .rank-key').allTextContents()).toEqual(['+19195550100', '+19195550199']);
    expect(await page.locator('#ov-numbers .rank-count').allTextContents()).toEqual(['5', '3']);
    expect(await page.locator('#ov-profiles .rank-key').allTextContents()).toEqual(['reception', 'support']);

    // What the chart was given: a layer per outcome that has calls, top of the stack first.
    expect(await page.locator('#ov-chart').getAttribute('data-outcomes')).toBe('rejected,missed,transferred,completed');
    const legend = await page.locator('#ov-chart .u-legend .u-label').allTextContents();
    expect(legend).toEqual(['Hour', 'Rejected', 'Missed', 'Transferred', 'Completed']);

    // The pixels: find each bar, and measure its coloured segments in the bar's middle column.
    const bars = await page.locator('#ov-chart canvas').evaluate((node, colors: Record<string, [number, number, number]>) => {
      // The test's TypeScript has no DOM library: the canvas as the few members used here.
      const canvas = node as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      };
      const { width, height } = canvas;
      const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
      const outcomeAt = (x: number, y: number): string | null => {
        const i = (y * width + x) * 4;
        for (const [name, [r, g, b]] of Object.entries(colors)) {
          if (Math.abs(data[i]! - r) <= 2 && Math.abs(data[i + 1]! - g) <= 2 && Math.abs(data[i + 2]! - b) <= 2) return name;
        }
        return null;
      };
      const columns: boolean[] = [];
      for (let x = 0; x < width; x++) {
        let hit = false;
        for (let y = 0; y < height && !hit; y++) hit = outcomeAt(x, y) !== null;
        columns.push(hit);
      }
      const found: { from: number; to: number }[] = [];
      columns.forEach((hit, x) => {
        const last = found[found.length - 1];
        if (hit && last && last.to === x - 1) last.to = x;
        else if (hit) found.push({ from: x, to: x });
      });
      return found.map(({ from, to }) => {
        const x = Math.round((from + to) / 2);
        const segments: Record<string, { top: number; bottom: number; pixels: number }> = {};
        for (let y = 0; y < height; y++) {
          const name = outcomeAt(x, y);
          if (!name) continue;
          const s = (segments[name] ??= { top: y, bottom: y, pixels: 0 });
          s.bottom = y;
          s.pixels++;
        }
        return { x, width: to - from + 1, segments };
      });
    }, palette);

    expect(bars).toHaveLength(2);
    const [first, second] = bars;
    expect(first!.x).toBeLessThan(second!.x); // earlier hour to the left
    expect(Object.keys(first!.segments).sort()).toEqual(['completed', 'transferred']);
    expect(Object.keys(second!.segments).sort()).toEqual(['completed', 'missed', 'rejected']);
    // One call is `unit` pixels tall everywhere on the chart.
    const unit = first!.segments.completed!.pixels / 3;
    expect(unit).toBeGreaterThan(10);
    const calls = (px: number) => px / unit;
    expect(calls(first!.segments.transferred!.pixels)).toBeCloseTo(2, 1);
    for (const o of ['completed', 'missed', 'rejected']) expect(calls(second!.segments[o]!.pixels)).toBeCloseTo(1, 1);
    // Stacked bottom to top: completed, then transferred; completed, missed, rejected.
    expect(first!.segments.completed!.top).toBeGreaterThan(first!.segments.transferred!.bottom - 2);
    expect(second!.segments.completed!.top).toBeGreaterThan(second!.segments.missed!.bottom - 2);
    expect(second!.segments.missed!.top).toBeGreaterThan(second!.segments.rejected!.bottom - 2);
    // Both bars stand on the same baseline.
    expect(Math.abs(first!.segments.completed!.bottom - second!.segments.completed!.bottom)).toBeLessThanOrEqual(1);

    // The numbers as a table, for screen readers.
    await page.getByText('The numbers as a table').click();
    const rows = await page
      .locator('#ov-table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['3', '2', '0', '0'],
      ['1', '0', '1', '1'],
    ]);
    expect(await page.locator('#ov-table thead th').allTextContents()).toEqual(['Hour', 'Completed', 'Transferred', 'Missed', 'Rejected']);
    await page.screenshot({ path: '/tmp/overview.png', fullPage: true });

    // Another range: the last 30 days, by day.
    await page.getByLabel('Range', { exact: true }).selectOption('30d');
    await page.locator('#ov-status', { hasText: 'by day' }).waitFor();
    expect(await page.locator('[data-figure="calls"] .figure-value').textContent()).toBe('8');

    // A call's detail: its analysis and its cost.
    await page.goto(`${stack.serverUrl}/dashboard#/calls/rtc_ov_0`);
    await page.getByRole('heading', { name: 'Call from +19195551234' }).waitFor();
    const rowsOf = (section: string) =>
      page
        .locator(`.${section} .field-row`)
        .evaluateAll((rs) => Object.fromEntries(rs.map((r) => [r.querySelector('dt')!.textContent, r.querySelector('dd')!.textContent])));
    expect(await page.locator('.d-analysis .analysis-summary').textContent()).toBe('The caller asked where order A-1 is; it ships today.');
    expect(await rowsOf('d-analysis')).toEqual({
      Status: 'done after 2 attempts',
      Success: 'yes',
      resolved: 'true',
      orderNumber: 'A-1',
      'customer.tier': 'gold',
      Model: 'gpt-6-luna',
      'Last error': '503 overloaded',
    });
    expect(await rowsOf('d-cost')).toMatchObject({ Total: '$0.12', Analysis: '$0.00', 'Prices as of': '2026-12-01' });
    await page.screenshot({ path: '/tmp/overview-call.png', fullPage: true });

    // The calls page exports its filtered list as CSV.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Calls' }).click();
    await page.getByLabel('Outcome', { exact: true }).selectOption('transferred');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#calls-body tr').nth(1).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^calls-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^callId,startedAt,/);
    expect(csv.slice(1, -1).map((line) => line.split(',')[0])).toEqual(['rtc_ov_4', 'rtc_ov_3']);
    expect(csv[1]).toContain(',billing question,');

    // The routing preview, on the example profile file.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Routing preview' }).click();
    await page.getByRole('heading', { name: 'Routing preview' }).waitFor();
    await page.getByLabel('Calling number').fill('+13125550123');
    await page.getByLabel('Called number').fill('+19195550100');
    await page.getByLabel('Time of the call').fill('2026-12-22T10:00');
    await page.getByLabel('More SIP headers').fill('X-Account-Id: 42');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.plan-verdict', { hasText: 'Accepted by support' }).waitFor();
    expect(await page.locator('.plan-instructions').textContent()).toContain('their account id, if the carrier sent it, is 42.');
    expect(JSON.parse((await page.locator('.plan-body').textContent())!)).toMatchObject({
      type: 'realtime',
      audio: { output: { voice: 'cedar' } },
    });
    await page.screenshot({ path: '/tmp/plan.png', fullPage: true });
    await page.getByLabel('Calling number').fill('+19005550100');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.plan-verdict', { hasText: 'Rejected with 603' }).waitFor();
    await page.getByLabel('Called number').fill('not a number');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#pl-to-error', { hasText: 'expected the dialed number' }).waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('says so when the range has no calls', async () => {
    stack = await startRecordsStack();
    const page = await open(stack);
    await page.getByText('No calls in this range.').first().waitFor();
    expect(await page.locator('#ov-chart canvas').count()).toBe(0);
    expect(await page.locator('[data-figure="calls"] .figure-value').textContent()).toBe('0');
    expect(consoleErrors).toEqual([]);
  });
});
