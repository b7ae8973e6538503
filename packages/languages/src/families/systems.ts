import type { Language } from '../types.ts';

export const systems: readonly Language[] = [];
