import { extname } from 'node:path';

/** File extension (without the dot) → the v2 language name sent to the server (which also knows aliases). */
export const languageByExtension: Readonly<Record<string, string>> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  ts: 'typescript',
  sh: 'bash',
  c: 'c',
  cc: 'c++',
  cpp: 'c++',
  cxx: 'c++',
  go: 'go',
  rs: 'rust',
  java: 'java',
};

export class UnknownExtensionError extends Error {
  override name = 'UnknownExtensionError';
}

/** The language of a file from its extension; throws when the extension says nothing. */
export function guessLanguage(file: string): string {
  const ext = extname(file).slice(1).toLowerCase();
  const language = languageByExtension[ext];
  if (language !== undefined) return language;
  const known = Object.keys(languageByExtension)
    .map((e) => `.${e}`)
    .join(' ');
  const what = ext === '' ? 'has no extension' : `has the extension ".${ext}", which names no language`;
  throw new UnknownExtensionError(`${file} ${what}; pass the language with -l LANG (known extensions: ${known})`);
}
