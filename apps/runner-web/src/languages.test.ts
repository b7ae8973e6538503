import { languages } from '@repo/languages';
import { describe, expect, it } from 'vitest';
import { specFor } from './languages.ts';

describe('specFor', () => {
  it.each(languages.map((l) => [l.name, l] as const))(
    '%s: finds the sample and loads a grammar for its editor mode',
    async (_name, language) => {
      const spec = specFor({ language: language.name });
      expect(spec.sample).toBe(language.sample);
      const extension = await spec.mode();
      if (language.editorMode === 'plain') expect(extension).toEqual([]);
      else expect(extension).toHaveProperty('extension');
    },
  );

  it('finds a language by a runtime alias, and gives an unknown one a plain editor', async () => {
    expect(specFor({ language: 'nosuch', aliases: ['gcc'] }).sample).toBe(
      languages.find((l) => l.name === 'c')?.sample,
    );
    const unknown = specFor({ language: 'nosuch' });
    expect(unknown.sample).toBe('');
    expect(await unknown.mode()).toEqual([]);
  });
});
