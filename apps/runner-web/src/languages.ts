import type { StreamParser } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { type EditorMode, findLanguage } from '@repo/languages';

/** What the page knows about a language beyond the server's runtime list: its editor mode and a sample. */
export interface LanguageSpec {
  /** Loaded on demand, so the first page load carries no language grammar it does not show. */
  mode: () => Promise<Extension>;
  sample: string;
}

/** A CodeMirror 5 mode from @codemirror/legacy-modes, loaded with the stream-language support it needs. */
function legacy<M>(load: Promise<M>, pick: (mode: M) => StreamParser<unknown>): Promise<Extension> {
  return Promise.all([import('@codemirror/language'), load]).then(([{ StreamLanguage }, mode]) =>
    StreamLanguage.define(pick(mode)),
  );
}

/**
 * The grammar of each editor mode of the manifest (`@repo/languages`). Each import is written out, so that
 * the bundler makes one chunk per grammar and the page loads only the one it shows.
 */
const modes: Record<EditorMode, () => Promise<Extension>> = {
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  typescript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  cpp: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
  go: () => import('@codemirror/lang-go').then((m) => m.go()),
  rust: () => import('@codemirror/lang-rust').then((m) => m.rust()),
  java: () => import('@codemirror/lang-java').then((m) => m.java()),
  shell: () => legacy(import('@codemirror/legacy-modes/mode/shell'), (m) => m.shell),
  ruby: () => legacy(import('@codemirror/legacy-modes/mode/ruby'), (m) => m.ruby),
  // Elixir's syntax is Ruby's closest cousin among the available grammars.
  elixir: () => legacy(import('@codemirror/legacy-modes/mode/ruby'), (m) => m.ruby),
  perl: () => legacy(import('@codemirror/legacy-modes/mode/perl'), (m) => m.perl),
  lua: () => legacy(import('@codemirror/legacy-modes/mode/lua'), (m) => m.lua),
  tcl: () => legacy(import('@codemirror/legacy-modes/mode/tcl'), (m) => m.tcl),
  haskell: () => legacy(import('@codemirror/legacy-modes/mode/haskell'), (m) => m.haskell),
  ocaml: () => legacy(import('@codemirror/legacy-modes/mode/mllike'), (m) => m.oCaml),
  csharp: () => legacy(import('@codemirror/legacy-modes/mode/clike'), (m) => m.csharp),
  kotlin: () => legacy(import('@codemirror/legacy-modes/mode/clike'), (m) => m.kotlin),
  scala: () => legacy(import('@codemirror/legacy-modes/mode/clike'), (m) => m.scala),
  objectivec: () => legacy(import('@codemirror/legacy-modes/mode/clike'), (m) => m.objectiveC),
  d: () => legacy(import('@codemirror/legacy-modes/mode/d'), (m) => m.d),
  fortran: () => legacy(import('@codemirror/legacy-modes/mode/fortran'), (m) => m.fortran),
  pascal: () => legacy(import('@codemirror/legacy-modes/mode/pascal'), (m) => m.pascal),
  erlang: () => legacy(import('@codemirror/legacy-modes/mode/erlang'), (m) => m.erlang),
  scheme: () => legacy(import('@codemirror/legacy-modes/mode/scheme'), (m) => m.scheme),
  commonlisp: () => legacy(import('@codemirror/legacy-modes/mode/commonlisp'), (m) => m.commonLisp),
  clojure: () => legacy(import('@codemirror/legacy-modes/mode/clojure'), (m) => m.clojure),
  r: () => legacy(import('@codemirror/legacy-modes/mode/r'), (m) => m.r),
  octave: () => legacy(import('@codemirror/legacy-modes/mode/octave'), (m) => m.octave),
  cobol: () => legacy(import('@codemirror/legacy-modes/mode/cobol'), (m) => m.cobol),
  forth: () => legacy(import('@codemirror/legacy-modes/mode/forth'), (m) => m.forth),
  asm: () => legacy(import('@codemirror/legacy-modes/mode/gas'), (m) => m.gas),
  coffeescript: () => legacy(import('@codemirror/legacy-modes/mode/coffeescript'), (m) => m.coffeeScript),
  groovy: () => legacy(import('@codemirror/legacy-modes/mode/groovy'), (m) => m.groovy),
  crystal: () => legacy(import('@codemirror/legacy-modes/mode/crystal'), (m) => m.crystal),
  haxe: () => legacy(import('@codemirror/legacy-modes/mode/haxe'), (m) => m.haxe),
  sql: () => legacy(import('@codemirror/legacy-modes/mode/sql'), (m) => m.sqlite),
  vb: () => legacy(import('@codemirror/legacy-modes/mode/vb'), (m) => m.vb),
  brainfuck: () => legacy(import('@codemirror/legacy-modes/mode/brainfuck'), (m) => m.brainfuck),
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
