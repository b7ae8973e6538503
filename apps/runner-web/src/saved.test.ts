import { describe, expect, it } from 'vitest';
import { emptyState, loadState, type SavedState, saveState } from './saved.ts';

// A real Storage implementation is not in Node; this one keeps the Storage contract for the calls used.
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

describe('saved state', () => {
  it('comes back as it was saved', () => {
    const storage = memoryStorage();
    const state: SavedState = {
      language: 'go',
      version: '1.19.8',
      code: { go: 'package main', python: 'print(1)' },
      stdin: 'x',
      args: 'a\nb',
      mode: 'one-shot',
    };
    saveState(state, storage);
    expect(loadState(storage)).toEqual(state);
  });

  it('is empty when nothing was saved, or what was saved is not ours', () => {
    const storage = memoryStorage();
    expect(loadState(storage)).toEqual(emptyState());
    storage.setItem('runner-web:v1', '{not json');
    expect(loadState(storage)).toEqual(emptyState());
    storage.setItem('runner-web:v1', JSON.stringify({ language: 5, code: { go: 7, c: 'int main(){}' } }));
    expect(loadState(storage)).toEqual({ ...emptyState(), code: { c: 'int main(){}' } });
  });

  it('runs in the terminal unless one-shot was chosen (also for state saved before there were modes)', () => {
    const storage = memoryStorage();
    storage.setItem('runner-web:v1', JSON.stringify({ language: 'go', code: {}, stdin: '', args: '' }));
    expect(loadState(storage).mode).toBe('terminal');
    storage.setItem('runner-web:v1', JSON.stringify({ mode: 'batch' }));
    expect(loadState(storage).mode).toBe('terminal');
  });

  it('does not throw when storage refuses to save', () => {
    const storage = memoryStorage();
    storage.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    expect(() => saveState(emptyState(), storage)).not.toThrow();
  });
});
