#!/usr/bin/env node
import pkg from '../package.json' with { type: 'json' };
import { runCli } from './cli.ts';
import { type ForwardedSignal, forwardedSignals, type SignalSource } from './interactive.ts';

// Ctrl-C cancels the request in flight; a second one exits at once. During `run -i` every forwarded signal
// goes to the session instead, which sends it to the program.
const abort = new AbortController();
let forward: ((signal: ForwardedSignal) => void) | null = null;
process.on('SIGINT', () => {
  if (forward) forward('SIGINT');
  else if (!abort.signal.aborted) abort.abort(new Error('interrupted'));
  else process.exit(130);
});

const signals: SignalSource = {
  forward(listener) {
    forward = listener;
    // The others keep their default (ending runner at once) unless a session takes them.
    const others = forwardedSignals.filter((signal) => signal !== 'SIGINT');
    const handlers = others.map((signal) => [signal, () => forward?.(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    return () => {
      forward = null;
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
  },
};

try {
  process.exitCode = await runCli(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: abort.signal, signals },
    pkg.version,
  );
} catch (error) {
  if (!abort.signal.aborted) throw error;
  process.stderr.write('runner: interrupted\n');
  process.exitCode = 130;
}
