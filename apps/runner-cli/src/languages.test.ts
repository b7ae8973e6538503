import { languages } from '@repo/languages';
import { describe, expect, it } from 'vitest';
import { guessLanguage, languageByExtension, UnknownExtensionError } from './languages.ts';

describe('guessLanguage', () => {
  it('maps every documented extension to a language, whatever its case', () => {
    expect(guessLanguage('hello.py')).toBe('python');
    expect(guessLanguage('dir/app.JS')).toBe('javascript');
    expect(guessLanguage('mod.mjs')).toBe('javascript');
    expect(guessLanguage('a.ts')).toBe('typescript');
    expect(guessLanguage('run.sh')).toBe('bash');
    expect(guessLanguage('main.c')).toBe('c');
    expect(guessLanguage('main.cc')).toBe('c++');
    expect(guessLanguage('main.cpp')).toBe('c++');
    expect(guessLanguage('main.go')).toBe('go');
    expect(guessLanguage('main.rs')).toBe('rust');
    expect(guessLanguage('Main.java')).toBe('java');
  });

  it('knows every extension of the language manifest, and only those', () => {
    for (const language of languages) {
      for (const extension of language.extensions) expect(guessLanguage(`main${extension}`)).toBe(language.name);
    }
    expect(Object.keys(languageByExtension).length).toBe(languages.flatMap((l) => l.extensions).length);
  });

  it('says which extension is unknown and how to pass the language instead', () => {
    expect(() => guessLanguage('notes.txt')).toThrow(UnknownExtensionError);
    expect(() => guessLanguage('notes.txt')).toThrow(
      'notes.txt has the extension ".txt", which names no language; pass the language with -l LANG',
    );
    expect(() => guessLanguage('Makefile')).toThrow('Makefile has no extension');
  });
});
