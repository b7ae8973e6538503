import { languages } from '@repo/languages';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  editorText,
  launchChromium,
  openRunner,
  pickLanguage,
  type RunningCodeRunner,
  screenshot,
  setCode,
  startServer,
  terminalText,
} from './harness.ts';

let server: RunningCodeRunner;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (chromiumMissing) return;
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

beforeEach(async () => {
  if (chromiumMissing) return;
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  page = await context.newPage();
});

afterEach(async () => {
  await context?.close();
});

async function waitForStatus(title: string): Promise<void> {
  await page.locator('#status-title', { hasText: title }).waitFor({ timeout: 60_000 });
}

describe.skipIf(chromiumMissing)('the runner page', () => {
  it('runs the python sample and shows its output, the status in words and the usage', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    expect(await editorText(page)).toContain('print(f"Hello, {name}!")');
    // The editor highlights python: keywords get their own token class.
    expect(await page.locator('#editor .tok-keyword').count()).toBeGreaterThan(0);
    await screenshot(page, 'editor');

    await page.click('#run');
    await waitForStatus('Finished');
    expect(await page.textContent('#stdout')).toContain('Hello, world!');
    expect(await page.textContent('#status-detail')).toBe('exit code 0');
    expect(await page.textContent('#status-usage')).toMatch(/^wall \d+/);
    expect(await page.isVisible('#compile-pane')).toBe(false);
    await screenshot(page, 'output');
  });

  it("starts each offered language with the manifest's sample, highlighted in its editor mode", async () => {
    await openRunner(page, server.url, 'terminal');
    const offered = await page
      .locator('#language option')
      .evaluateAll((options) => (options as HTMLOptionElement[]).map((o) => o.text.split(' ')[0]));
    // Where CI promises languages, each must be there; elsewhere a missing toolchain leaves it out.
    const promised = (process.env.EXPECT_LANGUAGES ?? '').split(',').filter(Boolean);
    expect(offered).toEqual(expect.arrayContaining(promised));
    const unhighlighted: string[] = [];
    for (const language of languages.filter((l) => offered.includes(l.name))) {
      await pickLanguage(page, language.name);
      await expect.poll(() => editorText(page), { message: language.name }).toBe(language.sample);
      // A mode's grammar marks tokens (keywords, or builtins, numbers, strings: legacy modes differ in what
      // they call a keyword); plain text (a language CodeMirror has no mode for) has none.
      if (language.editorMode === 'plain') continue;
      const token = page.locator('#editor .cm-line [class*="tok-"]').first();
      const seen = await token.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (!seen) unhighlighted.push(`${language.name} (${language.editorMode})`);
    }
    expect(unhighlighted, 'nothing highlighted in the sample of').toEqual([]);
  });

  it('runs with Ctrl+Enter from the editor, passing stdin and one argument per line', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    await page.fill('#stdin', 'Ada\n');
    await page.fill('#args', 'first\nsecond arg\n');
    await page.locator('#editor .cm-content').click();
    await page.keyboard.press('Control+Enter');
    await waitForStatus('Finished');
    const stdout = await page.textContent('#stdout');
    expect(stdout).toContain('Hello, Ada!');
    expect(stdout).toContain("args: ['first', 'second arg']");
  });

  it('shows a C++ compile error with the compiler output', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'c++');
    await setCode(page, '#include <cstdio>\nint main() {\n  printf("hi")\n  return 0;\n}\n');
    await page.click('#run');
    await waitForStatus('Compilation failed');
    expect(await page.isVisible('#compile-pane')).toBe(true);
    expect(await page.textContent('#compile-output')).toMatch(/error: expected .;./);
    expect(await page.isVisible('#stdout-pane')).toBe(false);
    await screenshot(page, 'compile-error');
  });

  it('shows program output that looks like HTML as text, and runs no script', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    const payload = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    await setCode(page, `import sys\nprint(${JSON.stringify(payload)})\nprint("<b>bold</b>", file=sys.stderr)\n`);
    await page.click('#run');
    await waitForStatus('Finished');
    expect(await page.textContent('#stdout')).toBe(`${payload}\n`);
    expect(await page.textContent('#stderr')).toBe('<b>bold</b>\n');
    expect(await page.locator('#stdout *, #stderr *').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    // Give an injected onerror handler time to fire, were there one.
    await page.waitForTimeout(500);
    expect(dialogs).toEqual([]);
  });

  it('names a time limit in words', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    await setCode(page, 'while True:\n    pass\n');
    await page.click('#run');
    await page.locator('#status[data-tone="running"]').waitFor();
    expect(await page.isVisible('#cancel')).toBe(true);
    expect(await page.isDisabled('#run')).toBe(true);
    await waitForStatus('Time limit exceeded');
    expect(await page.isVisible('#cancel')).toBe(false);
  });

  it('cancels a run in flight', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    await setCode(page, 'import time\ntime.sleep(2.5)\nprint("late")\n');
    await page.click('#run');
    await page.locator('#cancel').waitFor();
    await page.click('#cancel');
    await waitForStatus('Cancelled');
    expect(await page.textContent('#stdout')).toBe('');
    expect(await page.isEnabled('#run')).toBe(true);
  });

  it('keeps the code and the language over a reload', async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'go');
    await setCode(page, 'package main\n\nfunc main() { println("kept") }\n');
    await page.fill('#stdin', 'kept input');
    await page.reload();
    await page.locator('#language:not([disabled])').waitFor();
    expect(await page.locator('#language option:checked').textContent()).toMatch(/^go /);
    expect(await editorText(page)).toBe('package main\n\nfunc main() { println("kept") }\n');
    expect(await page.inputValue('#stdin')).toBe('kept input');
  });

  it('copies a link that opens the same program in a fresh browser', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'bash');
    await setCode(page, 'echo "shared: $1"\n');
    await page.fill('#args', 'via link');
    await page.click('#share');
    await page.locator('#language-note', { hasText: 'Link copied' }).waitFor();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/#lang=bash&code=[\w-]+&args=[\w-]+$/);

    const other = await browser.newContext();
    try {
      const fresh = await other.newPage();
      await openRunner(fresh, link, 'one-shot');
      expect(await fresh.locator('#language option:checked').textContent()).toMatch(/^bash /);
      expect(await editorText(fresh)).toBe('echo "shared: $1"\n');
      expect(fresh.url()).not.toContain('#');
      await fresh.click('#run');
      await fresh.locator('#status-title', { hasText: 'Finished' }).waitFor();
      expect(await fresh.textContent('#stdout')).toBe('shared: via link\n');
    } finally {
      await other.close();
    }
  });

  it("shows the server's message when it refuses the request", async () => {
    await openRunner(page, server.url, 'one-shot');
    await pickLanguage(page, 'python');
    // The page never sends limits; add one above the server's maximum on the way out, so the REAL server says no.
    await page.route('**/api/v2/execute', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
      await route.continue({ postData: JSON.stringify({ ...body, run_timeout: 10_000_000 }) });
    });
    await page.click('#run');
    await page.locator('#alert:not([hidden])').waitFor();
    expect(await page.textContent('#alert')).toMatch(/^The server refused the request \(HTTP 400\): .*run_timeout/);
    expect(await page.textContent('#status-title')).toBe('Not run');
  });

  it('says when the server cannot be reached, and when the languages cannot be loaded', async () => {
    await openRunner(page, server.url, 'one-shot');
    await page.route('**/api/v2/execute', (route) => route.abort('connectionrefused'));
    await page.click('#run');
    await page.locator('#alert:not([hidden])').waitFor();
    expect(await page.textContent('#alert')).toContain('Cannot reach the code-runner server');
    await screenshot(page, 'unreachable');

    await page.route('**/api/v2/runtimes', (route) => route.abort('connectionrefused'));
    await page.reload();
    await page.locator('#alert:not([hidden])').waitFor();
    expect(await page.textContent('#alert')).toContain('(while loading the languages)');
    await page.unroute('**/api/v2/runtimes');
    await page.click('#alert button');
    await page.locator('#language:not([disabled])').waitFor();
    expect(await page.isHidden('#alert')).toBe(true);
  });

  it('follows a dark system theme', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    try {
      const darkPage = await dark.newPage();
      await openRunner(darkPage, server.url, 'terminal');
      await pickLanguage(darkPage, 'rust');
      await darkPage.click('#run');
      // The samples read a name from stdin: in the terminal, Ctrl+D answers with none.
      await darkPage.locator('#stop').waitFor();
      await darkPage.keyboard.press('Control+d');
      await darkPage.locator('#status-title', { hasText: 'Finished' }).waitFor({ timeout: 60_000 });
      const background = await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r = 255, g = 255, b = 255] = background.match(/\d+/g)?.map(Number) ?? [];
      expect(r + g + b).toBeLessThan(150);
      await screenshot(darkPage, 'dark-theme');
    } finally {
      await dark.close();
    }
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const phonePage = await phone.newPage();
      await openRunner(phonePage, server.url, 'terminal');
      await pickLanguage(phonePage, 'javascript');
      await phonePage.click('#run');
      await phonePage.locator('#stop').waitFor();
      await phonePage.keyboard.press('Control+d');
      await phonePage.locator('#status-title', { hasText: 'Finished' }).waitFor({ timeout: 60_000 });
      expect(await terminalText(phonePage)).toContain('Hello, world!');
      const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(phonePage, 'phone');
    } finally {
      await phone.close();
    }
  });

  it('can be used by keyboard alone: labelled controls and a visible focus', async () => {
    await openRunner(page, server.url, 'terminal');
    for (const id of ['language', 'stdin', 'args']) {
      expect(await page.locator(`label:has(#${id})`).count()).toBe(1);
    }
    await page.focus('#language');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sample');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).toBe('solid');
    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');
  });
});
