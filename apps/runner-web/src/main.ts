import './style.css';
import { createRunnerClient, type ExecuteRequest, type ExecuteResponse, type Runtime } from '@repo/runner-api';
import { createCodeEditor } from './editor.ts';
import { specFor } from './languages.ts';
import { LineDiscipline } from './line-discipline.ts';
import { requestErrorMessage } from './messages.ts';
import { describeOutcome, describeSessionEnd, formatUsage } from './outcome.ts';
import { loadState, type RunMode, type SavedState, saveState } from './saved.ts';
import { connectUrl, InteractiveSession } from './session.ts';
import { decodeShare, encodeShare, type SharedProgram } from './share.ts';
import type { ProgramTerminal } from './terminal.ts';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

const ui = {
  language: element<HTMLSelectElement>('language'),
  languageNote: element<HTMLParagraphElement>('language-note'),
  sample: element<HTMLButtonElement>('sample'),
  share: element<HTMLButtonElement>('share'),
  run: element<HTMLButtonElement>('run'),
  cancel: element<HTMLButtonElement>('cancel'),
  stop: element<HTMLButtonElement>('stop'),
  mode: element<HTMLFieldSetElement>('mode'),
  modeTerminal: element<HTMLInputElement>('mode-terminal'),
  modeOneShot: element<HTMLInputElement>('mode-one-shot'),
  terminal: element<HTMLDivElement>('terminal'),
  editor: element<HTMLDivElement>('editor'),
  stdin: element<HTMLTextAreaElement>('stdin'),
  args: element<HTMLTextAreaElement>('args'),
  alert: element<HTMLDivElement>('alert'),
  status: element<HTMLDivElement>('status'),
  statusTitle: element<HTMLElement>('status-title'),
  statusDetail: element<HTMLElement>('status-detail'),
  statusUsage: element<HTMLElement>('status-usage'),
  compilePane: element<HTMLDivElement>('compile-pane'),
  compileOutput: element<HTMLPreElement>('compile-output'),
  stdoutPane: element<HTMLElement>('stdout-pane'),
  stderrPane: element<HTMLElement>('stderr-pane'),
  stdout: element<HTMLPreElement>('stdout'),
  stderr: element<HTMLPreElement>('stderr'),
};

// Same origin as the page, and still right when a proxy serves the page under a sub-path.
const client = createRunnerClient({ baseUrl: new URL('.', window.location.href).href });

const state: SavedState = loadState();
let runtimes: Runtime[] = [];
let current: Runtime | null = null;
let running: AbortController | null = null;
/** The interactive run in progress: stop() ends it. */
let live: { stop(): void } | null = null;
let terminalView: Promise<ProgramTerminal> | null = null;
/** The program of a share link, until the runtimes are known and its language is matched to one. */
let shared: SharedProgram | null = null;

const isMac = /Mac|iPhone|iPad/.test(navigator.userAgent);
const runKbd = ui.run.querySelector('kbd');
if (runKbd) runKbd.textContent = isMac ? '⌘↵' : 'Ctrl+Enter';

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function persist(): void {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => saveState(state), 250);
}
// A reload or a closed tab within the debounce still keeps the last keystrokes.
window.addEventListener('pagehide', () => {
  clearTimeout(saveTimer);
  saveState(state);
});

const startLanguage = state.language ?? 'python';
const editor = createCodeEditor({
  parent: ui.editor,
  // Shown at once, before the runtimes arrive (or when the server is down).
  code: state.code[startLanguage] ?? specFor({ language: startLanguage }).sample,
  labelledBy: 'editor-label',
  onRun: () => void run(),
  onChange(code) {
    if (current) state.code[current.language] = code;
    persist();
  },
});

// ------------------------------------------------------------------ messages

function showAlert(message: string, action?: { label: string; run: () => void }): void {
  ui.alert.replaceChildren();
  const text = document.createElement('p');
  text.textContent = message;
  ui.alert.append(text);
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = action.label;
    button.addEventListener('click', action.run);
    ui.alert.append(button);
  }
  ui.alert.hidden = false;
}

function hideAlert(): void {
  ui.alert.hidden = true;
  ui.alert.replaceChildren();
}

function note(message: string): void {
  ui.languageNote.textContent = message;
}

function setStatus(tone: string, title: string, detail = '', usage = ''): void {
  ui.status.dataset.tone = tone;
  ui.statusTitle.textContent = title;
  ui.statusDetail.textContent = detail;
  ui.statusUsage.textContent = usage;
}

// ------------------------------------------------------------------ languages

function runtimeMatches(runtime: Runtime, name: string): boolean {
  const wanted = name.toLowerCase();
  return runtime.language.toLowerCase() === wanted || runtime.aliases.some((a) => a.toLowerCase() === wanted);
}

async function selectRuntime(runtime: Runtime): Promise<void> {
  current = runtime;
  state.language = runtime.language;
  state.version = runtime.version;
  const spec = specFor(runtime);
  const code = state.code[runtime.language] ?? spec.sample;
  if (editor.getCode() !== code) editor.setCode(code);
  state.code[runtime.language] = code;
  persist();
  ui.language.value = String(runtimes.indexOf(runtime));
  try {
    editor.setMode(await spec.mode());
  } catch {
    // A chunk that failed to load (e.g. the server was restarted with a new build): plain text still works.
    editor.setMode([]);
  }
}

async function loadRuntimes(): Promise<void> {
  ui.language.disabled = true;
  try {
    runtimes = await client.runtimes();
  } catch (error) {
    ui.language.replaceChildren(new Option('unavailable'));
    showAlert(`${requestErrorMessage(error)} (while loading the languages)`, {
      label: 'Try again',
      run: () => void loadRuntimes(),
    });
    return;
  }
  hideAlert();
  if (runtimes.length === 0) {
    ui.language.replaceChildren(new Option('none'));
    showAlert('The server offers no language right now (its toolchains are missing); see its log.');
    return;
  }
  ui.language.replaceChildren(...runtimes.map((r, i) => new Option(`${r.language} ${r.version}`, String(i))));
  ui.language.disabled = false;
  const wanted = state.language ?? 'python';
  const match =
    runtimes.find((r) => runtimeMatches(r, wanted) && r.version === state.version) ??
    runtimes.find((r) => runtimeMatches(r, wanted)) ??
    runtimes.find((r) => runtimeMatches(r, 'python')) ??
    runtimes[0];
  if (state.language !== null && match && !runtimeMatches(match, state.language)) {
    note(`${state.language} is not offered by this server; showing ${match.language} instead.`);
  }
  // A link may name the language by an alias (python3): its code belongs to the runtime it matched.
  if (shared && match) state.code[match.language] = shared.code;
  shared = null;
  if (match) await selectRuntime(match);
}

ui.language.addEventListener('change', () => {
  const runtime = runtimes[Number(ui.language.value)];
  if (runtime) void selectRuntime(runtime);
});

ui.sample.addEventListener('click', () => {
  if (!current) return;
  editor.setCode(specFor(current).sample);
  editor.view.focus();
});

// ------------------------------------------------------------------ running

function argsList(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function setRunning(on: boolean): void {
  ui.run.disabled = on;
  ui.cancel.hidden = !on || state.mode !== 'one-shot';
  ui.stop.hidden = !on || state.mode !== 'terminal';
  ui.mode.disabled = on;
  ui.language.disabled = on || runtimes.length === 0;
  ui.status.setAttribute('aria-busy', String(on));
  document.body.classList.toggle('running', on);
}

function showResult(response: ExecuteResponse): void {
  const outcome = describeOutcome(response);
  const stage = outcome.compileFailed && response.compile ? response.compile : response.run;
  setStatus(outcome.tone, outcome.title, outcome.detail, formatUsage(stage));
  // Program output is untrusted: textContent only, never HTML.
  ui.compilePane.hidden = !outcome.compileFailed;
  ui.compileOutput.textContent = outcome.compileFailed ? (response.compile?.output ?? '') : '';
  // The program did not run when its compile failed: no empty stdout/stderr to puzzle over.
  ui.stdoutPane.hidden = ui.stderrPane.hidden = outcome.compileFailed;
  ui.stdout.textContent = outcome.compileFailed ? '' : response.run.stdout;
  ui.stderr.textContent = outcome.compileFailed ? '' : response.run.stderr;
}

async function run(): Promise<void> {
  if (running || live || !current) return;
  if (state.mode === 'terminal') return runInTerminal(current);
  const request: ExecuteRequest = {
    language: current.language,
    version: current.version,
    files: [{ content: editor.getCode() }],
    stdin: ui.stdin.value,
    args: argsList(ui.args.value),
  };
  const controller = new AbortController();
  running = controller;
  hideAlert();
  setRunning(true);
  setStatus('running', 'Running…', `${current.language} ${current.version}`);
  try {
    showResult(await client.execute(request, { signal: controller.signal }));
  } catch (error) {
    if (controller.signal.aborted) {
      setStatus('idle', 'Cancelled', 'the page stopped waiting; the server ends the run at its time limit');
    } else {
      setStatus('error', 'Not run');
      showAlert(requestErrorMessage(error));
    }
  } finally {
    running = null;
    setRunning(false);
  }
}

function cancel(): void {
  running?.abort(new DOMException('Cancelled by the user', 'AbortError'));
}

// ------------------------------------------------------------------ the terminal (interactive runs)

/** xterm.js is loaded when the terminal is first shown: the one-shot mode does without it. */
function programTerminal(): Promise<ProgramTerminal> {
  terminalView ??= import('./terminal.ts').then(({ createProgramTerminal }) =>
    createProgramTerminal({ parent: ui.terminal, onEscape: () => (live ? ui.stop : ui.run).focus() }),
  );
  // A chunk that failed to load (e.g. the server was restarted with a new build): the next run tries again.
  terminalView.catch(() => {
    terminalView = null;
  });
  return terminalView;
}

/** Runs over the WebSocket: output as it comes, the person's typing as the program's input. */
async function runInTerminal(runtime: Runtime): Promise<void> {
  let terminal: ProgramTerminal;
  try {
    terminal = await programTerminal();
  } catch (error) {
    setStatus('error', 'Not run');
    showAlert(
      `The terminal could not be loaded (${error instanceof Error ? error.message : String(error)}); reload the page.`,
    );
    return;
  }
  if (live || running) return;
  terminal.reset();
  hideAlert();
  const session = new InteractiveSession(
    connectUrl(window.location.href),
    {
      language: runtime.language,
      version: runtime.version,
      files: [{ content: editor.getCode() }],
      args: argsList(ui.args.value),
    },
    {
      stage: (stage) =>
        stage === 'compile'
          ? setStatus('running', 'Compiling…', `${runtime.language} ${runtime.version}`)
          : setStatus('running', 'Running…', 'type its input in the terminal'),
      output: (stream, data) => terminal.write(stream, data),
    },
  );
  const discipline = new LineDiscipline();
  terminal.onInput = (data) => {
    const { echo, actions } = discipline.receive(data);
    terminal.echo(echo);
    for (const action of actions) {
      if (action.kind === 'send') session.sendInput(action.data);
      else if (action.kind === 'eof') session.endInput();
      else session.signal('SIGINT');
    }
  };
  let stopped = false;
  let giveUp: ReturnType<typeof setTimeout> | undefined;
  live = {
    stop() {
      if (stopped) return;
      stopped = true;
      // SIGKILL ends the stage with its usage for the status line; closing the socket (the server then stops
      // everything) is the fallback when no stage is running to take the signal.
      session.signal('SIGKILL');
      giveUp = setTimeout(() => session.close(), 1000);
    },
  };
  setRunning(true);
  setStatus('running', 'Starting…', `${runtime.language} ${runtime.version}`);
  terminal.focus();
  const end = await session.ended;
  clearTimeout(giveUp);
  terminal.onInput = null;
  live = null;
  setRunning(false);
  const status = describeSessionEnd(end, stopped);
  setStatus(status.tone, status.title, status.detail, status.usage);
  if (status.alert) showAlert(status.alert);
}

function stop(): void {
  live?.stop();
}

function applyMode(mode: RunMode): void {
  state.mode = mode;
  document.body.dataset.mode = mode;
  ui.modeTerminal.checked = mode === 'terminal';
  ui.modeOneShot.checked = mode === 'one-shot';
  if (mode === 'terminal') void programTerminal().catch(() => {});
}

for (const radio of [ui.modeTerminal, ui.modeOneShot]) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    applyMode(radio.value === 'one-shot' ? 'one-shot' : 'terminal');
    persist();
  });
}
applyMode(state.mode);

ui.run.addEventListener('click', () => void run());
ui.cancel.addEventListener('click', cancel);
ui.stop.addEventListener('click', stop);
document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented) return;
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void run();
  } else if (event.key === 'Escape' && running) {
    cancel();
  } else if (event.key === 'Escape' && live) {
    stop();
  }
});

// ------------------------------------------------------------------ stdin, args, sharing

ui.stdin.value = state.stdin;
ui.args.value = state.args;
ui.stdin.addEventListener('input', () => {
  state.stdin = ui.stdin.value;
  persist();
});
ui.args.addEventListener('input', () => {
  state.args = ui.args.value;
  persist();
});

ui.share.addEventListener('click', async () => {
  if (!current) return;
  const hash = await encodeShare({
    language: current.language,
    code: editor.getCode(),
    stdin: ui.stdin.value,
    args: ui.args.value,
  });
  const link = `${window.location.origin}${window.location.pathname}#${hash}`;
  try {
    await navigator.clipboard.writeText(link);
    note('Link copied: it opens this program, its input and its arguments.');
  } catch {
    // No clipboard (plain http on a non-local address): the address bar holds the link instead.
    history.replaceState(null, '', `#${hash}`);
    note('The clipboard is not available here: copy the link from the address bar.');
  }
});

/** A shared link wins over what was saved; then it leaves the address bar so a reload keeps later edits. */
async function applySharedLink(): Promise<void> {
  try {
    shared = await decodeShare(window.location.hash);
    if (!shared) return;
    state.language = shared.language;
    state.version = null;
    state.code[shared.language] = shared.code;
    state.stdin = ui.stdin.value = shared.stdin;
    state.args = ui.args.value = shared.args;
    editor.setCode(shared.code);
    note('Opened a shared program.');
  } catch (error) {
    showAlert(error instanceof Error ? error.message : String(error));
  }
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

await applySharedLink();
await loadRuntimes();
