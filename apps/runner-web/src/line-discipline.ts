// The program's stdin is a pipe, not a tty: nothing on the server echoes or edits what the person types. So the
// page does what a cooked tty does, minimally: it echoes, lets Backspace edit the current line, and sends whole
// lines on Enter. Ctrl+C becomes SIGINT, Ctrl+D ends the input.

/** What the keystrokes ask of the session. */
export type InputAction =
  | { kind: 'send'; data: string }
  /** The end of the program's input (Ctrl+D). */
  | { kind: 'eof' }
  /** SIGINT (Ctrl+C). */
  | { kind: 'interrupt' };

export interface Keystrokes {
  /** What to write to the terminal so the person sees what they typed. */
  echo: string;
  actions: InputAction[];
}

/** What follows ESC in `ESC [ ... final`, `ESC O x` and `ESC x`: keys such as arrows, Home or F1, which a pipe has no use for. */
const afterEscape = /^(?:\[[0-?]*[ -/]*[@-~]|O.|.)?/s;

/** A cooked tty's line editing, for one run: feed it the terminal's input with `receive`. */
export class LineDiscipline {
  /** The current line, as code points, so that Backspace removes a whole character. */
  #line: string[] = [];
  #ended = false;

  /** Whether Ctrl+D ended the input: later typing is not echoed or sent (Ctrl+C still interrupts). */
  get ended(): boolean {
    return this.#ended;
  }

  receive(data: string): Keystrokes {
    let echo = '';
    const actions: InputAction[] = [];
    let rest = data;
    while (rest !== '') {
      const char = String.fromCodePoint(rest.codePointAt(0) as number);
      let used = char.length;
      if (char === '\x1b') {
        used = 1 + (afterEscape.exec(rest.slice(1))?.[0].length ?? 0);
      } else if (char === '\x03') {
        echo += '^C\r\n';
        this.#line = [];
        actions.push({ kind: 'interrupt' });
      } else if (this.#ended) {
        // After the end of the input there is nowhere for text to go.
      } else if (char === '\r' || char === '\n') {
        // A paste may carry CRLF: one line end, not two.
        if (char === '\r' && rest[1] === '\n') used = 2;
        echo += '\r\n';
        actions.push({ kind: 'send', data: `${this.#line.join('')}\n` });
        this.#line = [];
      } else if (char === '\x7f' || char === '\b') {
        if (this.#line.pop() !== undefined) echo += '\b \b';
      } else if (char === '\x15') {
        // Ctrl+U: the whole line.
        echo += '\b \b'.repeat(this.#line.length);
        this.#line = [];
      } else if (char === '\x04') {
        // A tty's Ctrl+D sends the pending line without a newline; on an empty line it ends the input. One press
        // does both here: the person means "that is all".
        if (this.#line.length > 0) actions.push({ kind: 'send', data: this.#line.join('') });
        this.#line = [];
        this.#ended = true;
        actions.push({ kind: 'eof' });
      } else if (char === '\t' || char >= ' ') {
        this.#line.push(char);
        echo += char;
      }
      rest = rest.slice(used);
    }
    return { echo, actions: merge(actions) };
  }
}

/** Consecutive sends as one message (a pasted block of lines). */
function merge(actions: InputAction[]): InputAction[] {
  const merged: InputAction[] = [];
  for (const action of actions) {
    const last = merged.at(-1);
    if (action.kind === 'send' && last?.kind === 'send') last.data += action.data;
    else merged.push(action.kind === 'send' ? { ...action } : action);
  }
  return merged;
}
