import type { Extension } from '@codemirror/state';
import { type EditorMode, findLanguage } from '@repo/languages';

/** What the page knows about a language beyond the server's runtime list: its editor mode and a sample. */
export interface LanguageSpec {
  /** Loaded on demand, so the first page load carries no language grammar it does not show. */
  mode: () => Promise<Extension>;
  sample: string;
}

/** The grammar of each editor mode of the manifest (`@repo/languages`). */
const modes: Record<EditorMode, () => Promise<Extension>> = {
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  typescript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  shell: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/shell')]).then(
      ([{ StreamLanguage }, { shell }]) => StreamLanguage.define(shell),
    ),
  cpp: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
  go: () => import('@codemirror/lang-go').then((m) => m.go()),
  rust: () => import('@codemirror/lang-rust').then((m) => m.rust()),
  java: () => import('@codemirror/lang-java').then((m) => m.java()),
  ruby: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/ruby')]).then(
      ([{ StreamLanguage }, { ruby }]) => StreamLanguage.define(ruby),
    ),
  perl: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/perl')]).then(
      ([{ StreamLanguage }, { perl }]) => StreamLanguage.define(perl),
    ),
  lua: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/lua')]).then(
      ([{ StreamLanguage }, { lua }]) => StreamLanguage.define(lua),
    ),
  tcl: () =>
    Promise.all([import('@codemirror/language'), import('@codemirror/legacy-modes/mode/tcl')]).then(
      ([{ StreamLanguage }, { tcl }]) => StreamLanguage.define(tcl),
    ),
  plain: async () => [],
};

/** A language the page has no grammar for still gets an editor: plain text and an empty-ish start. */
const plain: LanguageSpec = {
  mode: async () => [],
  sample: '',
};

/** The spec for a runtime, found in the manifest by its language name or any of its aliases. */
export function specFor(runtime: { language: string; aliases?: readonly string[] }): LanguageSpec {
  const language = [runtime.language, ...(runtime.aliases ?? [])].map(findLanguage).find(Boolean);
  return language ? { mode: modes[language.editorMode], sample: language.sample } : plain;
}
