import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  chromiumMissing,
  launchChromium,
  openRunner,
  pickLanguage,
  type RunningCodeRunner,
  screenshot,
  startServer,
} from './harness.ts';

let server: RunningCodeRunner;
let browser: Browser;

beforeAll(async () => {
  if (chromiumMissing) return;
  // One box and no queue: a second request while the first runs is turned away at once.
  [server, browser] = await Promise.all([startServer({ NUM_RUNNERS: '1', MAX_QUEUE: '0' }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function boxesBusy(): Promise<number> {
  const res = await fetch(`${server.url}/api/v2/info`);
  const info = (await res.json()) as { pool: { busy: number } };
  return info.pool.busy;
}

async function waitForBusyBoxes(until: (busy: number) => boolean, failure: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!until(await boxesBusy())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it.skipIf(chromiumMissing)('says the server is busy, with the retry-after delay, when every box is taken', async () => {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await openRunner(page, server.url, 'one-shot');
  await pickLanguage(page, 'python');

  // Occupy the only box with a long sleep from outside the page.
  const occupying = fetch(`${server.url}/api/v2/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      language: 'python',
      version: '*',
      files: [{ content: 'import time\ntime.sleep(2.5)\n' }],
      run_timeout: 3000,
    }),
  });
  await waitForBusyBoxes((busy) => busy >= 1, 'the sleeping request never took the box');

  await page.click('#run');
  await page.locator('#alert:not([hidden])').waitFor();
  expect(await page.textContent('#alert')).toMatch(/^The server is busy: .*Try again in \d+ s\./);
  expect(await page.textContent('#status-title')).toBe('Not run');
  await screenshot(page, 'busy');

  // Whatever became of the sleeper (on a loaded machine it may reach the time limit), the box is free again after it.
  await (await occupying).body?.cancel();
  await waitForBusyBoxes((busy) => busy === 0, 'the box was not given back');
  // Then the same page runs.
  await page.click('#run');
  await page.locator('#status-title', { hasText: 'Finished' }).waitFor({ timeout: 60_000 });
  expect(await page.isHidden('#alert')).toBe(true);
});
