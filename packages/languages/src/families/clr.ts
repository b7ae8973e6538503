import type { Language } from '../types.ts';

export const clr: readonly Language[] = [];
