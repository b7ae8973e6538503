import type { Language } from '../types.ts';

export const functional: readonly Language[] = [];
