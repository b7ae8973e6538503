import { languages } from './manifest.ts';
import type { Language } from './types.ts';

export { languages } from './manifest.ts';
export {
  formatLanguageTable,
  type LanguageRow,
  languageRows,
  parseLanguageTable,
  type RowFigures,
  readmeMarkers,
} from './readme-table.ts';
export type { ArgvTemplate, EditorMode, Language, Runtime, TestPrograms, VersionProbe } from './types.ts';

/** The language `name` names: its v2 name, an alias, its v1 name or a runtime's alias (any case). */
export function findLanguage(name: string): Language | undefined {
  const wanted = name.toLowerCase();
  return (
    languages.find((l) => l.name === wanted) ??
    languages.find(
      (l) => l.aliases.includes(wanted) || l.v1Name === wanted || l.runtimes.some((r) => r.aliases.includes(wanted)),
    )
  );
}

/** File extension (with the dot, lower case) -> the language whose sources have it. */
export const languageByExtension: ReadonlyMap<string, Language> = new Map(
  languages.flatMap((language) => language.extensions.map((extension) => [extension, language] as const)),
);

/** The Debian packages of every runtime of `selected`, each once, in the manifest's order. */
export function debianPackagesOf(selected: readonly Language[]): string[] {
  return [...new Set(selected.flatMap((l) => l.runtimes.flatMap((r) => r.debianPackages)))];
}

/** The Debian packages of every runtime, each once, in the manifest's order: what a machine installs to offer them all. */
export const debianPackages: readonly string[] = debianPackagesOf(languages);

/** A language list names a language the manifest does not have. */
export class UnknownLanguageError extends Error {
  override name = 'UnknownLanguageError';
}

/**
 * The languages a list names, in the manifest's order, each once: `all` (or nothing) for every one, else
 * names separated by commas or spaces, each a name, alias, v1 name or runtime alias (any case). This is
 * how an operator picks a subset, e.g. the image's `LANGUAGES` build argument.
 */
export function selectLanguages(list: string): Language[] {
  const names = list
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0 || (names.length === 1 && names[0]?.toLowerCase() === 'all')) return [...languages];
  const wanted = new Set<Language>();
  const unknown: string[] = [];
  for (const name of names) {
    const language = findLanguage(name);
    if (language) wanted.add(language);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new UnknownLanguageError(
      `Expected \`all\` or language names separated by commas, got unknown ${unknown.map((n) => `\`${n}\``).join(', ')}; the languages are ${languages.map((l) => l.name).join(', ')}`,
    );
  }
  return languages.filter((l) => wanted.has(l));
}
