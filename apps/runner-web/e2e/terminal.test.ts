// The terminal mode: programs run over the WebSocket (/api/v2/connect) and the test types their input as a person
// would, into xterm, once the prompt is on the screen.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
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

/** Waits until the terminal shows text matching `pattern`. */
async function waitForScreen(pattern: RegExp): Promise<string> {
  await expect
    .poll(() => terminalText(page), { timeout: 30_000, message: `terminal showing ${pattern}` })
    .toMatch(pattern);
  return terminalText(page);
}

async function runPython(code: string): Promise<void> {
  await openRunner(page, server.url, 'terminal');
  await pickLanguage(page, 'python');
  await setCode(page, code);
  await page.click('#run');
}

describe.skipIf(chromiumMissing)('the terminal', () => {
  it('shows a prompt before it is answered, and sends what is typed line by line', async () => {
    await runPython('name = input("Name? ")\nage = input("Age? ")\nprint(f"Hello {name}, {age}")\n');
    expect(await page.getAttribute('#terminal', 'aria-label')).toMatch(/^Terminal/);
    // The prompt has no newline: it is on the screen while the program waits for the answer.
    expect(await waitForScreen(/^Name\? ?$/m)).not.toContain('Age?');
    await waitForStatus('Running…');
    expect(await page.isVisible('#stop')).toBe(true);
    await page.keyboard.type('Adx');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('a');
    await page.keyboard.press('Enter');
    await waitForScreen(/^Age\? ?$/m);
    await page.keyboard.type('36');
    await page.keyboard.press('Enter');
    await waitForStatus('Finished');
    expect(await terminalText(page)).toMatch(/^Name\? Ada\nAge\? 36\nHello Ada, 36$/m);
    expect(await page.textContent('#status-detail')).toBe('exit code 0');
    expect(await page.textContent('#status-usage')).toMatch(
      /^wall [\d.]+ m?s · CPU [\d.]+ m?s · memory [\d.]+ (KiB|MiB)$/,
    );
    expect(await page.isVisible('#stop')).toBe(false);
    expect(await page.isEnabled('#run')).toBe(true);
    await screenshot(page, 'terminal');
  });

  it('ends a program that prints for ever at the output cap', async () => {
    await runPython('while True:\n    print("x" * 1000)\n');
    await waitForStatus('Output limit exceeded');
    expect(await page.textContent('#status-title')).toMatch(/^Output limit exceeded \(stdout cut at 64 KiB\)$/);
    expect(await page.getAttribute('#status', 'data-tone')).toBe('limit');
    expect(await terminalText(page)).toContain('xxxxxxxxxx');
  });

  it('shows a compile error as one, with the compiler output in the terminal', async () => {
    await openRunner(page, server.url, 'terminal');
    await pickLanguage(page, 'c');
    await setCode(page, '#include <stdio.h>\nint main(void) {\n  return nope;\n}\n');
    await page.click('#run');
    await waitForStatus('Compilation failed');
    expect(await page.getAttribute('#status', 'data-tone')).toBe('error');
    expect(await terminalText(page)).toMatch(/nope/);
    expect(await page.isVisible('#compile-pane')).toBe(false);
  });

  it('sends SIGINT on Ctrl+C', async () => {
    await runPython(
      'import signal, sys, time\n' +
        'signal.signal(signal.SIGINT, lambda *a: (print("caught SIGINT", flush=True), sys.exit(3)))\n' +
        'print("ready", flush=True)\ntime.sleep(30)\n',
    );
    await waitForScreen(/^ready$/m);
    await page.keyboard.press('Control+c');
    await waitForStatus('Runtime error');
    expect(await terminalText(page)).toMatch(/^\^C\ncaught SIGINT$/m);
    expect(await page.textContent('#status-title')).toBe('Runtime error (exit code 3)');
  });

  it('ends the input on Ctrl+D', async () => {
    await runPython(
      'import sys\nprint("go", flush=True)\nlines = sys.stdin.read().splitlines()\nprint(len(lines), "lines:", lines)\n',
    );
    await waitForScreen(/^go$/m);
    await page.keyboard.type('one');
    await page.keyboard.press('Enter');
    await page.keyboard.type('two');
    await page.keyboard.press('Control+d');
    await waitForStatus('Finished');
    expect(await terminalText(page)).toContain("2 lines: ['one', 'two']");
  });

  it('stops a run with the Stop button', async () => {
    await runPython('import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n');
    await waitForScreen(/^sleeping$/m);
    const started = Date.now();
    await page.click('#stop');
    await waitForStatus('Stopped');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await page.getAttribute('#status', 'data-tone')).toBe('idle');
    expect(await page.isEnabled('#run')).toBe(true);
    // The box was given back: the next run starts at once.
    await page.locator('#editor .cm-content').click();
    await page.keyboard.press('Control+Enter');
    await waitForScreen(/^sleeping$/m);
    await page.click('#stop');
    await waitForStatus('Stopped');
  });
});
