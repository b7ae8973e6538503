import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningCodeRunner, startCodeRunner } from 'code-runner/testing';
import { type Browser, chromium, type Page } from 'playwright-core';

export type { RunningCodeRunner };

export const appDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(appDir, '../..');
export const screenshotDir = join(process.env.ARTIFACTS_DIR ?? join(repoRoot, 'artifacts'), 'screenshots');

/**
 * Starts the real code-runner serving this app's dist/ (fresh from global-setup) and waits for /readyz.
 * `env` adds to or overrides its environment (e.g. NUM_RUNNERS, MAX_QUEUE).
 */
export function startServer(env: Record<string, string> = {}): Promise<RunningCodeRunner> {
  return startCodeRunner({ env: { WEB_ROOT: join(appDir, 'dist'), ...env } });
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. Printed, never silent: bootstrap installs chromium as root. */
export const chromiumMissing: string | null = existsSync(chromiumPath)
  ? null
  : `browser tests skipped: no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
// CI installs chromium (scripts/bootstrap.mjs, the workflow): there, a missing browser is a failure, not a skip.
if (chromiumMissing && process.env.CI === 'true')
  throw new Error(`runner-web: CI=true promises a browser, but ${chromiumMissing}`);
if (chromiumMissing) console.warn(`runner-web: ${chromiumMissing}`);

/** Debian's chromium, headless, with nothing that talks to the outside. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Opens the page, waits until the languages are loaded, and picks how Run runs (the terminal is the default). */
export async function openRunner(page: Page, url: string, mode: 'terminal' | 'one-shot'): Promise<void> {
  await page.goto(url);
  await page.locator('#language:not([disabled])').waitFor();
  await page.check(`#mode-${mode}`);
}

/** The terminal's rows as the person sees them (xterm's DOM renderer: one element per row). */
export function terminalText(page: Page): Promise<string> {
  return page
    .locator('#terminal .xterm-rows')
    .evaluate((rows) =>
      [...rows.children].map((row) => (row.textContent ?? '').replaceAll('\u00a0', ' ').trimEnd()).join('\n'),
    );
}

/** Picks the runtime whose label starts with `language ` (e.g. "python 3.11.2"). */
export async function pickLanguage(page: Page, language: string): Promise<void> {
  const value = await page
    .locator('#language option')
    .evaluateAll(
      (options, name) => (options as HTMLOptionElement[]).find((o) => o.text.startsWith(`${name} `))?.value,
      language,
    );
  if (value === undefined) throw new Error(`the server offers no ${language}`);
  await page.selectOption('#language', value);
}

/** Replaces the editor's content as a paste would. */
export async function setCode(page: Page, code: string): Promise<void> {
  await page.locator('#editor .cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(code);
}

export function editorText(page: Page): Promise<string> {
  // CodeMirror renders one .cm-line per line.
  return page.locator('#editor .cm-line').evaluateAll((lines) => lines.map((l) => l.textContent).join('\n'));
}
