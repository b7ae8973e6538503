import { languages } from './manifest.ts';
import type { Language } from './types.ts';

export { languages } from './manifest.ts';
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

/** The Debian packages of every runtime, each once, in the manifest's order: what a machine installs to offer them all. */
export const debianPackages: readonly string[] = [
  ...new Set(languages.flatMap((l) => l.runtimes.flatMap((r) => r.debianPackages))),
];
