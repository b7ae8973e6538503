import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config.ts';

const schema = z.object({
  PORT: env.port(8080),
  WORKERS: env.int(4, 1),
  VERBOSE: env.bool(false),
  KEYS: env.list(),
});

describe('loadConfig', () => {
  it('applies defaults for unset and empty variables', () => {
    expect(loadConfig(schema, { PORT: '', OTHER: 'x' })).toEqual({ PORT: 8080, WORKERS: 4, VERBOSE: false });
  });

  it('parses the values it is given', () => {
    expect(loadConfig(schema, { PORT: '10100', WORKERS: '2', VERBOSE: 'yes', KEYS: 'a, b,,c' })).toEqual({
      PORT: 10100,
      WORKERS: 2,
      VERBOSE: true,
      KEYS: ['a', 'b', 'c'],
    });
  });

  it('fails with an error that names every bad variable and its value', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '99999', WORKERS: 'two', VERBOSE: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.issues.map((i) => i.variable)).toEqual(['PORT', 'WORKERS', 'VERBOSE']);
    expect(config.message).toContain('PORT: expected a port number 0-65535 (got "99999")');
    expect(config.message).toContain('WORKERS: expected a whole number (got "two")');
    expect(config.message).toContain('VERBOSE: expected true or false (got "maybe")');
  });
});
