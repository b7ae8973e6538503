import type { IsolationLevel, IsolationReport } from './isolation.ts';

/** The host cannot give the isolation level the caller requires; `report` says which layer is missing and why. */
export class IsolationUnavailableError extends Error {
  override name = 'IsolationUnavailableError';
  readonly required: IsolationLevel;
  readonly report: IsolationReport;
  constructor(required: IsolationLevel, report: IsolationReport) {
    const missing = Object.entries(report.layers)
      .filter(([, layer]) => !layer.available)
      .map(([name, layer]) => `${name}: ${layer.detail}`)
      .join('; ');
    super(`isolation level '${required}' is required but only '${report.level}' is available (${missing})`);
    this.required = required;
    this.report = report;
  }
}

/** An option passed to the sandbox is invalid; the message quotes the bad value and says what is expected. */
export class SandboxOptionError extends TypeError {
  override name = 'SandboxOptionError';
}

/** A box could not be emptied or checked; it must not be reused. */
export class BoxResetError extends Error {
  override name = 'BoxResetError';
  readonly boxId: number;
  constructor(boxId: number, reason: string, options?: ErrorOptions) {
    super(`box ${boxId} could not be reset: ${reason}`, options);
    this.boxId = boxId;
  }
}

/** A run was started on a box that is already running something, or on a box of another sandbox. */
export class BoxBusyError extends Error {
  override name = 'BoxBusyError';
  readonly boxId: number;
  constructor(boxId: number) {
    super(`box ${boxId} is already running a command; a box runs one command at a time`);
    this.boxId = boxId;
  }
}

/** The sandbox's self-test failed: the message says which check and what happened. */
export class SelfTestError extends Error {
  override name = 'SelfTestError';
}

export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `\`${shown}\` (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
}
