import type { Language } from '../types.ts';

export const scientific: readonly Language[] = [];
