import { extname } from 'node:path';
import { languageByExtension as manifestExtensions } from '@repo/languages';

/** File extension (without the dot) → the v2 language name sent to the server: the manifest's extensions. */
export const languageByExtension: Readonly<Record<string, string>> = Object.fromEntries(
  [...manifestExtensions].map(([extension, language]) => [extension.slice(1), language.name]),
);

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
