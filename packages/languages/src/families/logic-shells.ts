import type { Language } from '../types.ts';

export const logicAndShells: readonly Language[] = [];
