/**
 * Per-phase durations of one request (queue wait, file write, compile or cache, run, ...), sent back as a
 * `Server-Timing` header when SERVER_TIMING is on: shows an operator where the time of a request goes.
 * A phase ends at each `mark`; the time since the previous mark is charged to it.
 */
export class PhaseTimer {
  readonly #started: number;
  readonly #phases: { name: string; ms: number }[] = [];
  #last: number;

  constructor(started = performance.now()) {
    this.#started = started;
    this.#last = started;
  }

  /** Ends the current phase as `name`. Marking the same name twice adds up. */
  mark(name: string): void {
    const now = performance.now();
    const ms = now - this.#last;
    this.#last = now;
    const known = this.#phases.find((phase) => phase.name === name);
    if (known) known.ms += ms;
    else this.#phases.push({ name, ms });
  }

  phases(): readonly { name: string; ms: number }[] {
    return this.#phases;
  }

  /** The header value, e.g. `parse;dur=0.4, queue;dur=0.0, run;dur=18.2, total;dur=19.9`. */
  header(): string {
    const total = performance.now() - this.#started;
    return [...this.#phases, { name: 'total', ms: total }].map((p) => `${p.name};dur=${p.ms.toFixed(2)}`).join(', ');
  }
}

/** Hono variables of the API routes: the request's phase timer when Server-Timing is on. */
export type TimingVariables = { timer: PhaseTimer | undefined };
