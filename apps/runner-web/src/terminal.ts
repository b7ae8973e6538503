// The terminal of an interactive run: xterm.js showing the program's output as it comes (stderr in the theme's
// red) and reporting what the person types to whoever is listening (the run's line discipline).
import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { type ITheme, Terminal } from '@xterm/xterm';

export interface ProgramTerminalOptions {
  parent: HTMLElement;
  /** Esc in the terminal: Tab is a key the program may want, so Esc is the way out (as in the editor). */
  onEscape(): void;
}

export interface ProgramTerminal {
  /** Empties the screen and the scrollback for a new run. */
  reset(): void;
  /** The program's output; stderr is shown in red. */
  write(stream: 'stdout' | 'stderr', data: string): void;
  /** The page's own writing: the echo of what the person typed. */
  echo(text: string): void;
  focus(): void;
  /** Receives the keystrokes (as xterm encodes them: "\r" for Enter, "\x03" for Ctrl+C); null drops them. */
  onInput: ((data: string) => void) | null;
}

function themeFromPage(): ITheme {
  const css = getComputedStyle(document.documentElement);
  const value = (name: string) => css.getPropertyValue(name).trim();
  return {
    background: value('--surface'),
    foreground: value('--text'),
    cursor: value('--text'),
    cursorAccent: value('--surface'),
    selectionBackground: value('--focus'),
    selectionForeground: value('--surface'),
    red: value('--stderr'),
  };
}

export function createProgramTerminal(options: ProgramTerminalOptions): ProgramTerminal {
  const terminal = new Terminal({
    // A program's "\n" is a new line at column 0, as a tty's output processing would make it.
    convertEol: true,
    cursorBlink: true,
    fontFamily: getComputedStyle(document.documentElement).getPropertyValue('--mono').trim() || 'monospace',
    fontSize: 14,
    scrollback: 5000,
    theme: themeFromPage(),
    // Links a program prints are not followed: its output is not to be trusted.
    linkHandler: { activate: () => {} },
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(options.parent);
  // The keys that belong to the page: Esc leaves the terminal, Ctrl+Enter (Run) goes on to the document.
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.key === 'Escape') {
      if (event.type === 'keydown') {
        event.preventDefault();
        options.onEscape();
      }
      return false;
    }
    return !(event.key === 'Enter' && (event.ctrlKey || event.metaKey));
  });
  const fitNow = () => {
    // Hidden (one-shot mode): nothing to measure.
    if (options.parent.offsetParent !== null) fit.fit();
  };
  new ResizeObserver(fitNow).observe(options.parent);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    terminal.options.theme = themeFromPage();
  });

  const view: ProgramTerminal = {
    onInput: null,
    reset() {
      terminal.reset();
      fitNow();
    },
    write(stream, data) {
      terminal.write(stream === 'stderr' ? `\x1b[31m${data}\x1b[39m` : data);
    },
    echo(text) {
      if (text !== '') terminal.write(text);
    },
    focus() {
      terminal.focus();
    },
  };
  terminal.onData((data) => view.onInput?.(data));
  return view;
}
