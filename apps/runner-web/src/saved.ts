/** How Run runs the program: in the terminal over a WebSocket (interactive), or once with the stdin box. */
export type RunMode = 'terminal' | 'one-shot';

/** What survives a reload: the chosen language, each language's code, stdin and args, and the run mode. */
export interface SavedState {
  language: string | null;
  version: string | null;
  code: Record<string, string>;
  stdin: string;
  args: string;
  mode: RunMode;
}

const KEY = 'runner-web:v1';

export function emptyState(): SavedState {
  return { language: null, version: null, code: {}, stdin: '', args: '', mode: 'terminal' };
}

/** The saved state, or an empty one when there is none or it is unreadable (storage off, or another shape). */
export function loadState(storage: Storage | undefined = globalThis.localStorage): SavedState {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return emptyState();
    const value = JSON.parse(raw) as Partial<SavedState>;
    const code: Record<string, string> = {};
    if (value.code && typeof value.code === 'object') {
      for (const [language, text] of Object.entries(value.code)) if (typeof text === 'string') code[language] = text;
    }
    return {
      language: typeof value.language === 'string' ? value.language : null,
      version: typeof value.version === 'string' ? value.version : null,
      code,
      stdin: typeof value.stdin === 'string' ? value.stdin : '',
      args: typeof value.args === 'string' ? value.args : '',
      mode: value.mode === 'one-shot' ? 'one-shot' : 'terminal',
    };
  } catch {
    return emptyState();
  }
}

export function saveState(state: SavedState, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled (private mode): the page works on, it just forgets on reload.
  }
}
