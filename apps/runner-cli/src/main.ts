#!/usr/bin/env node
import pkg from '../package.json' with { type: 'json' };
import { runCli } from './cli.ts';

// Ctrl-C cancels the request in flight; a second one exits at once.
const abort = new AbortController();
process.once('SIGINT', () => {
  abort.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});

try {
  process.exitCode = await runCli(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: abort.signal },
    pkg.version,
  );
} catch (error) {
  if (!abort.signal.aborted) throw error;
  process.stderr.write('runner: interrupted\n');
  process.exitCode = 130;
}
