import { constants } from 'node:os';

// os.constants.signals lists aliases too (SIGIOT = SIGABRT = 6, SIGPOLL = SIGIO = 29), and a Map built from
// it keeps the last one: the usual Linux names (those of `kill -l` and signal(7)'s first column) win here.
const preferred = new Set(['SIGABRT', 'SIGIO', 'SIGCHLD', 'SIGSYS']);

const names = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!names.has(number) || preferred.has(name)) names.set(number, name);
}

/** The usual name of signal `number` ('SIGABRT' for 6), or `SIG<n>` for one without a name (real-time ones). */
export function signalName(number: number): string {
  return names.get(number) ?? `SIG${number}`;
}
