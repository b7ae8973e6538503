import type { Language } from '../types.ts';

export const compiled: readonly Language[] = [];
