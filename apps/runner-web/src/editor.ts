import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, type Extension, Prec } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';

export interface CodeEditor {
  view: EditorView;
  getCode(): string;
  setCode(code: string): void;
  setMode(mode: Extension): void;
}

export interface CodeEditorOptions {
  parent: HTMLElement;
  code: string;
  /** The id of the element that labels the editor, for screen readers. */
  labelledBy: string;
  onRun: () => void;
  onChange: (code: string) => void;
}

// The parts of CodeMirror's basicSetup a code box needs; autocompletion, search and lint stay out of the bundle.
// (The npm package `codemirror` that bundles basicSetup is not used: its newest 6.x release is CodeMirror 5.)
const setup: Extension = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  drawSelection(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  bracketMatching(),
  highlightActiveLine(),
  keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
  // Here rather than in style.css: CodeMirror's own selection rule is more specific than a stylesheet's.
  EditorView.theme({
    '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
      background: 'color-mix(in srgb, var(--focus) 30%, transparent)',
    },
  }),
];

/** A CodeMirror editor whose language mode can be swapped; colours come from CSS (tok-* classes), so they follow the theme. */
export function createCodeEditor(options: CodeEditorOptions): CodeEditor {
  const mode = new Compartment();
  const view = new EditorView({
    parent: options.parent,
    doc: options.code,
    extensions: [
      // Before the default keymap, which binds Mod-Enter to "insert blank line".
      Prec.highest(
        keymap.of([
          {
            key: 'Mod-Enter',
            run: () => {
              options.onRun();
              return true;
            },
          },
        ]),
      ),
      setup,
      syntaxHighlighting(classHighlighter),
      mode.of([]),
      EditorView.contentAttributes.of({ 'aria-labelledby': options.labelledBy }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(update.state.doc.toString());
      }),
    ],
  });
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode(code) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
    },
    setMode(extension) {
      view.dispatch({ effects: mode.reconfigure(extension) });
    },
  };
}
