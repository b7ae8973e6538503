// The dashboard in Debian's chromium against the real server: a set through the controls, and the
// numbers and the chart follow; refused, busy and unauthorized answers in words; the token kept.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatBytes } from '../web/figures.ts';
import {
  chartData,
  chromiumMissing,
  launchChromium,
  type RunningTestero,
  screenshot,
  startTestero,
} from './harness.ts';

const MiB = 1024 * 1024;
const TOKEN = 'dashboard-test-token';

let browser: Browser;
let context: BrowserContext;
let page: Page;
const servers: RunningTestero[] = [];
/** A loaded machine can take seconds to answer: the page polls once a second, and each step may wait on a set. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 30_000, interval: 100 });
/** Script errors and console errors of the page (a CSP violation shows there too). */
let pageErrors: string[] = [];

beforeAll(async () => {
  if (chromiumMissing) return;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  if (chromiumMissing) return;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterEach(async () => {
  await context?.close();
  for (const server of servers.splice(0)) await server.stop();
});

async function open(env: Record<string, string> = {}): Promise<RunningTestero> {
  const server = await startTestero({ HIGHMEMLIM: String(512 * MiB), HIGHFILELIM: String(256 * MiB), ...env });
  servers.push(server);
  await page.goto(server.url);
  await page.locator('#connection.live').waitFor();
  return server;
}

async function json(url: string): Promise<{ total: number }> {
  return (await fetch(url, { headers: { Accept: 'application/json' } })).json() as Promise<{ total: number }>;
}

describe.skipIf(chromiumMissing)('the dashboard at /', () => {
  it('sets memory from the controls; the held figure and the chart follow; a ramp shows progress and a second set is busy', async () => {
    const server = await open();
    const before = await chartData(page, 'memory');

    await page.getByLabel('Size').first().fill('64Mi');
    await page.getByRole('button', { name: 'Set memory' }).click();
    const answer = page.locator('#memory-answer');
    await poll(() => answer.textContent()).toMatch(/^Memory data request sent for 67108864 bytes, with id#: \d+/);
    expect(await answer.getAttribute('class')).toBe('answer accepted');

    // The plan's total, held once the set is done: in words, and as the newest point of the chart.
    const { total } = await json(`${server.url}/api/mem/getdef`);
    expect(total).toBe(64 * MiB);
    await poll(() => page.locator('#memory-held').textContent()).toBe('64.0 MiB');
    await poll(async () => (await chartData(page, 'memory')).last.held).toBe(total);
    const after = await chartData(page, 'memory');
    expect(after.points).toBeGreaterThan(before.points);
    expect(after.last).toMatchObject({ target: total, held: total, limit: expect.any(Number) });
    expect(await page.locator('#memory-target').textContent()).toBe('64.0 MiB');
    // The chart keeps one point per second (a bounded history), and keeps growing while the page is open.
    await poll(async () => (await chartData(page, 'memory')).points).toBeGreaterThan(after.points);

    // A ramp: 64 MiB more at 8 MiB/s (8 s) shows its progress; a set meanwhile is busy, in words.
    await page.getByLabel('Size').first().fill('128Mi');
    await page.getByLabel('Rate').first().fill('8Mi');
    await page.getByRole('button', { name: 'Set memory' }).click();
    await poll(() => answer.textContent()).toMatch(/^Memory data request sent for 134217728 bytes/);
    const ramped = (await json(`${server.url}/api/mem/getdef`)).total;
    await poll(() => page.locator('#memory-progress').textContent()).toMatch(/^ramp \d+ % at 8\.0 MiB\/s/);
    await page.getByLabel('Rate').first().fill('');
    await page.getByLabel('Size').first().fill('0');
    await page.getByRole('button', { name: 'Set memory' }).click();
    await poll(() => answer.textContent()).toBe(
      'Busy: Server busy, try again later (the previous request is still being carried out)',
    );
    expect(await answer.getAttribute('data-status')).toBe('503');
    await poll(() => page.locator('#memory-held').textContent()).toBe(formatBytes(ramped));
    await poll(async () => (await chartData(page, 'memory')).last.held).toBe(ramped);
    await poll(() => page.locator('#memory-progress').textContent()).toBe('idle');

    // Disk and CPU for the picture: a few files, a light load.
    await page.locator('#disk-form').getByLabel('Size').fill('20Mi');
    await page.getByRole('button', { name: 'Set disk' }).click();
    await poll(() => page.locator('#disk-held').textContent()).toBe('20.0 MiB');
    await page.getByLabel('Millicores').fill('250');
    await page.getByLabel('Time (s)').fill('60');
    await page.getByRole('button', { name: 'Load CPU' }).click();
    await poll(() => page.locator('#cpu-answer').textContent()).toMatch(/^CPU load requested for 60 seconds/);
    await poll(() => page.locator('#cpu-asked').textContent()).toBe('250 m');
    await poll(async () => (await chartData(page, 'cpu')).last.asked).toBe(250);
    await page.waitForTimeout(3000);
    console.log(`testero dashboard screenshot: ${await screenshot(page, 'testero-dashboard')}`);

    await page.getByRole('button', { name: 'Stop' }).click();
    await poll(() => page.locator('#cpu-answer').textContent()).toBe('CPU load stopped');
    await poll(() => page.locator('#cpu-state').textContent()).toBe('idle');
    // The refused set above is the only failed request; the page itself raised nothing.
    expect(pageErrors.filter((text) => !/status of 503/.test(text))).toEqual([]);
  }, 120_000);

  it("shows a refused size (120%) in the server's words, and a share of the limit in bytes", async () => {
    await open();
    const answer = page.locator('#memory-answer');
    await page.getByLabel('Size').first().fill('120%');
    await page.getByRole('button', { name: 'Set memory' }).click();
    await poll(() => answer.textContent()).toBe(
      'Refused: Bad request: `size` is over 100% (120%); expected a share of the limit in force from 0% to 100% (e.g. 80% or 12.5%), or a whole number of bytes',
    );
    expect(await answer.getAttribute('data-status')).toBe('400');
    expect(await answer.getAttribute('class')).toBe('answer refused');
    expect(await page.locator('#memory-target').textContent()).toBe('0 B');

    await page.getByLabel('Size').first().fill('lots');
    await page.getByRole('button', { name: 'Set memory' }).click();
    await poll(() => answer.textContent()).toBe(
      'Refused: Bad request: `size` is not a number (lots); expected a whole number of bytes from 0 to 18446744073709551615',
    );
  });

  it('sends the bearer token when the server has one: refused in words without it, kept for the session', async () => {
    const server = await open({ TESTERO_TOKEN: TOKEN });
    const answer = page.locator('#disk-answer');
    await page.locator('#disk-form').getByLabel('Size').fill('1Mi');
    await page.getByRole('button', { name: 'Set disk' }).click();
    await poll(() => answer.textContent()).toBe(
      "Refused: Unauthorized: this endpoint needs the header `Authorization: Bearer <token>` (the TESTERO_TOKEN of the server). Enter the server's token above.",
    );
    expect(await answer.getAttribute('data-status')).toBe('401');

    await page.getByLabel('Bearer token').fill('wrong');
    await page.getByRole('button', { name: 'Use' }).click();
    await page.getByRole('button', { name: 'Set disk' }).click();
    await poll(() => answer.textContent()).toMatch(/^Refused: Unauthorized: the bearer token is wrong/);

    await page.getByLabel('Bearer token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use' }).click();
    await page.getByRole('button', { name: 'Set disk' }).click();
    await poll(() => answer.textContent()).toMatch(/^File data request sent for 1048576 bytes/);
    await poll(async () => (await json(`${server.url}/api/disk/getact`)).total).toBe(MiB);

    // Kept in sessionStorage: a reload still has it, and Forget drops it.
    await page.reload();
    expect(await page.getByLabel('Bearer token').inputValue()).toBe(TOKEN);
    await page.getByRole('button', { name: 'Forget' }).click();
    expect(await page.evaluate(() => sessionStorage.getItem('testero.token'))).toBeNull();
  });
});
