import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { domainToASCII } from 'node:url';

// Judge0's callbacks (app/jobs/isolate_job.rb, call_callback): when a submission ends, whatever its status, a PUT of
// the submission as JSON (Content-Type: application/json) to its callback_url, up to CALLBACKS_MAX_TRIES (3) times
// with HTTParty's `timeout: CALLBACKS_TIMEOUT` (5 s for the connect and again for each read). It tries again, at
// once, only when the request raised (connection refused or reset, DNS failure, timeout); any answer ends it, and
// HTTParty follows redirects. Here a callback goes only where the operator's CALLBACK_ALLOW lets it, checked on the
// address connected to; a redirect is not followed; a 5xx is tried again too; and the tries are spaced.

/** Where callbacks may go: the operator's CALLBACK_ALLOW, parsed. */
export interface CallbackAllow {
  /** False for an empty list: a submission's `callback_url` is refused, as Judge0 does with ENABLE_CALLBACKS=false. */
  readonly enabled: boolean;
  /** Host names allowed exactly: lowercase, IDNs in punycode, as the URL parser spells them. */
  readonly names: ReadonlySet<string>;
  /** From `*.example.com`: `.example.com`, whose subdomains (at any depth, not the name itself) are allowed. */
  readonly suffixes: readonly string[];
  /** Address ranges; an address alone is a /32 or /128. */
  readonly ranges: readonly AddressRange[];
}

export interface AddressRange {
  /** Canonical text, `10.0.0.0/8`. */
  readonly cidr: string;
  readonly prefix: number;
  readonly list: BlockList;
}

/** What became of a callback, for the log: sendCallback never throws for a failed delivery. */
export interface CallbackReport {
  /** A 2xx answer came. */
  ok: boolean;
  /** Requests made; 0 when the URL was refused before any. */
  tries: number;
  /** The last answer's status, if one came. */
  status?: number;
  /** Why the last try failed. */
  error?: string;
}

/** How host names are resolved: node's `dns.lookup` (the default) or a stand-in. */
export type Lookup = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface SendCallbackOptions {
  allow: CallbackAllow;
  /** Requests at most (Judge0's CALLBACKS_MAX_TRIES); default 3. */
  tries?: number;
  /** Per try, from the DNS lookup to the answer's status line (Judge0's CALLBACKS_TIMEOUT); default 5000. */
  timeoutMs?: number;
  /** Pause between tries; default 1000. Judge0 tries again at once, which rarely finds a receiver back already. */
  retryDelayMs?: number;
  /** Stops the current try and any further ones. */
  signal?: AbortSignal;
  lookup?: Lookup;
}

/** CALLBACK_ALLOW has an entry that is none of the forms it takes. */
export class CallbackAllowError extends Error {
  override name = 'CallbackAllowError';
  readonly entry: string;
  constructor(entry: string, problem: string) {
    super(`"${entry}" ${problem}`);
    this.entry = entry;
  }
}

/** Longer callback_url values are refused (the common limit of browsers and proxies). */
export const maxCallbackUrlLength = 2048;
/** Of an answer's body, which nobody reads, this much is taken before the connection is dropped. */
const maxAnswerBytes = 64 * 1024;

const expectedEntry =
  'expected a host name (hooks.example.com), a wildcard (*.example.com), an IP address or a CIDR (10.0.0.0/8, fd00::/8)';

/**
 * Parses CALLBACK_ALLOW: entries separated by commas or whitespace. Host names match exactly (case-insensitive),
 * `*.example.com` matches its subdomains, and IP addresses and CIDRs match the addresses connected to.
 * Empty or unset: callbacks are disabled. Throws CallbackAllowError, naming the entry, for one it cannot read.
 */
export function parseCallbackAllow(text: string | undefined): CallbackAllow {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const ranges: AddressRange[] = [];
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (entry.includes('/') || isIP(entry)) ranges.push(parseCidr(entry));
    else if (entry === '*') {
      throw new CallbackAllowError(
        entry,
        'would allow every host: list 0.0.0.0/0 and ::/0 to allow every public address',
      );
    } else if (entry.startsWith('*.')) suffixes.push(`.${parseName(entry, entry.slice(2))}`);
    else names.add(parseName(entry, entry));
  }
  return { enabled: names.size + suffixes.length + ranges.length > 0, names, suffixes, ranges };
}

function parseCidr(entry: string): AddressRange {
  const [text = '', bits, ...rest] = entry.split('/');
  const address = canonicalAddress(text);
  if (address === null || rest.length > 0) {
    throw new CallbackAllowError(entry, `is not a valid entry; ${expectedEntry}`);
  }
  if (isIP(address) !== isIP(text)) {
    throw new CallbackAllowError(entry, `is an IPv4-mapped IPv6 address; write IPv4 addresses as such (${address})`);
  }
  const max = isIP(address) === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!(prefix <= max)) throw new CallbackAllowError(entry, `has a bad prefix length; expected /0 to /${max}`);
  return addressRange(address, prefix);
}

function parseName(entry: string, name: string): string {
  const ascii = domainToASCII(name);
  const labels = ascii.split('.');
  const valid =
    ascii.length > 0 &&
    ascii.length <= 253 &&
    labels.every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) &&
    // The URL parser reads a host whose last label is a number as an IPv4 address (http://10.1/ is 10.0.0.1).
    !/^\d+$/.test(labels.at(-1) ?? '');
  if (!valid) throw new CallbackAllowError(entry, `is not a valid entry; ${expectedEntry}`);
  return ascii;
}

function addressRange(address: string, prefix: number): AddressRange {
  const list = new BlockList();
  list.addSubnet(address, prefix, family(address));
  return { cidr: `${address}/${prefix}`, prefix, list };
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 4 ? 'ipv4' : 'ipv6';
}

/**
 * One spelling per address: IPv6 compressed and lowercase, and an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the
 * IPv4 address it reaches, so that no spelling slips past a range. Null when `text` is not an IP address.
 */
function canonicalAddress(text: string): string | null {
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6) return null;
  const host = URL.parse(`http://[${text}]/`)?.hostname.slice(1, -1);
  if (host === undefined) return null;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const high = Number.parseInt(mapped[1] ?? '', 16);
  const low = Number.parseInt(mapped[2] ?? '', 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

interface Guard {
  range: AddressRange;
  kind: string;
}

const guard = (cidr: string, kind: string): Guard => {
  const [address = '', prefix = ''] = cidr.split('/');
  return { range: addressRange(address, Number(prefix)), kind };
};

/**
 * Addresses that a host name in CALLBACK_ALLOW never reaches, nor a CIDR wider than the range: only a CIDR within
 * the (most specific) range listed here does, so that 0.0.0.0/0 allows the internet but not the loopback, and
 * 169.254.0.0/16 the link-local network but not the metadata service (169.254.169.254/32 would).
 */
const guards: readonly Guard[] = [
  guard('0.0.0.0/8', 'an unspecified address'),
  guard('127.0.0.0/8', 'a loopback address'),
  guard('169.254.0.0/16', 'a link-local address'),
  guard('224.0.0.0/4', 'a multicast address'),
  guard('240.0.0.0/4', 'a reserved or broadcast address'),
  guard('::/128', 'the unspecified address'),
  guard('::1/128', 'the loopback address'),
  guard('fe80::/10', 'a link-local address'),
  guard('ff00::/8', 'a multicast address'),
  // Cloud metadata services, which hand out the machine's credentials.
  guard('169.254.169.254/32', 'a cloud metadata address'), // AWS, GCP, Azure, Oracle, OpenStack, DigitalOcean
  guard('fd00:ec2::254/128', 'a cloud metadata address'), // AWS IMDS over IPv6
  guard('169.254.170.2/32', 'a cloud metadata address'), // AWS ECS task credentials
  guard('169.254.170.23/32', 'a cloud metadata address'), // AWS EKS Pod Identity
  guard('fd00:ec2::23/128', 'a cloud metadata address'), // AWS EKS Pod Identity over IPv6
  guard('100.100.100.200/32', 'a cloud metadata address'), // Alibaba Cloud
  guard('168.63.129.16/32', 'a cloud metadata address'), // Azure WireServer
];

const contains = (range: AddressRange, address: string) => range.list.check(address, family(address));

function nameAllowed(name: string, allow: CallbackAllow): boolean {
  return allow.names.has(name) || allow.suffixes.some((suffix) => name.endsWith(suffix));
}

/**
 * Why `address` (canonical) may not be connected to, as the end of a sentence; null if it may. `name`: the URL's
 * host name when it is a name, whose listing allows any address but a guarded one.
 */
function addressRefusal(address: string, name: string | null, allow: CallbackAllow): string | null {
  const covering = allow.ranges.filter((range) => contains(range, address));
  let closest: Guard | undefined;
  for (const g of guards) {
    if (contains(g.range, address) && g.range.prefix > (closest?.range.prefix ?? -1)) closest = g;
  }
  if (closest) {
    const { range, kind } = closest;
    if (covering.some((r) => r.prefix >= range.prefix)) return null;
    return `is ${kind}, allowed only by a CIDR within ${range.cidr} in CALLBACK_ALLOW`;
  }
  if (covering.length > 0 || (name !== null && nameAllowed(name, allow))) return null;
  return 'is not allowed (CALLBACK_ALLOW)';
}

/** The host of a URL as a socket takes it: IPv6 without its brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Why a submission's `callback_url` is refused (Judge0 answers it as 422 `{callback_url: [message]}`), or null.
 * A host name must be in CALLBACK_ALLOW; an IP address within one of its CIDRs. What a name resolves to is checked
 * when the callback is sent.
 */
export function callbackUrlError(url: string, allow: CallbackAllow): string | null {
  if (!allow.enabled) return 'setting callback is not allowed';
  if (url.length > maxCallbackUrlLength) return `is too long (maximum is ${maxCallbackUrlLength} characters)`;
  const target = URL.parse(url);
  if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
    return 'must be an absolute http:// or https:// URL';
  }
  if (target.username || target.password) return 'must not contain a user name or password';
  const host = bareHost(target);
  const address = canonicalAddress(host);
  if (address === null) return nameAllowed(host, allow) ? null : `host "${host}" is not allowed (CALLBACK_ALLOW)`;
  const refusal = addressRefusal(address, null, allow);
  return refusal && `host "${host}" ${refusal}`;
}

/** The answer of a guarded lookup when no address may be connected to; not worth another try. */
class CallbackRefusedError extends Error {
  override name = 'CallbackRefusedError';
}

/**
 * A socket's `lookup` that hands over only the addresses `name` may reach. The check is of the very address the
 * socket connects to, so a DNS answer that changed since the URL was accepted (rebinding) gains nothing; refused
 * addresses are dropped and the others used, and with none left the request fails.
 */
function guardedLookup(name: string, allow: CallbackAllow, lookup: Lookup): LookupFunction {
  return function callbackLookup(hostname, options, callback) {
    lookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, []);
      const checked: LookupAddress[] = [];
      const refusals: string[] = [];
      for (const entry of found) {
        const address = canonicalAddress(entry.address);
        const refusal = address === null ? 'is not an IP address' : addressRefusal(address, name, allow);
        if (address !== null && refusal === null) checked.push({ address, family: isIP(address) });
        else refusals.push(`${entry.address}, which ${refusal}`);
      }
      const [first] = checked;
      if (!first) {
        const why = refusals.length > 0 ? `resolves only to ${refusals.join('; ')}` : 'resolves to no address';
        return callback(new CallbackRefusedError(`host "${name}" ${why}`), []);
      }
      if (options.all) callback(null, checked);
      else callback(null, first.address, first.family);
    });
  };
}

interface Attempt {
  ok: boolean;
  status?: number;
  error?: string;
  /** Another try might fare better. */
  retry: boolean;
}

function answered(response: http.IncomingMessage): Attempt {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status, retry: false };
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    const to = location ? ` to ${JSON.stringify(location.slice(0, 200))}` : '';
    return { ok: false, status, error: `redirect (${status}${to}) not followed`, retry: false };
  }
  return { ok: false, status, error: `answered ${status}`, retry: status >= 500 };
}

function failed(error: Error): Attempt {
  if (error instanceof CallbackRefusedError) return { ok: false, error: error.message, retry: false };
  // Several addresses tried (happy eyeballs) fail as one AggregateError with an empty message.
  const causes = error instanceof AggregateError ? (error.errors as Error[]) : [];
  return { ok: false, error: error.message || causes.map((cause) => cause.message).join('; '), retry: true };
}

interface TryOptions {
  allow: CallbackAllow;
  timeoutMs: number;
  lookup: Lookup;
  signal: AbortSignal | undefined;
}

/** One PUT; settles on the answer's status line, then reads at most maxAnswerBytes of its body in the background. */
function put(target: URL, payload: string, options: TryOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      resolve(attempt);
    };
    const host = bareHost(target);
    const request = (target.protocol === 'https:' ? https : http).request({
      hostname: host,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      // A socket of its own: a pooled one would skip the lookup below. https takes `hostname` as the name the
      // certificate must hold (and sends it as SNI), whatever address the lookup chose.
      agent: false,
      // Node skips it for an IP address, which callbackUrlError has checked.
      lookup: guardedLookup(host, options.allow, options.lookup),
    });
    const stop = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      request.destroy();
    };
    const abort = () => {
      settle({ ok: false, error: 'aborted', retry: false });
      stop();
    };
    const timer = setTimeout(() => {
      settle({ ok: false, error: `no answer within ${options.timeoutMs} ms`, retry: true });
      stop();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', abort, { once: true });
    request.on('error', (error) => {
      settle(failed(error));
      stop();
    });
    request.on('response', (response) => {
      settle(answered(response));
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > maxAnswerBytes) stop();
      });
      response.on('end', stop);
      response.on('error', stop);
    });
    request.end(payload);
  });
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be a whole number >= ${min}, got \`${value}\` (${typeof value})`);
  }
  return value;
}

/**
 * Delivers a finished submission to its callback_url: a PUT of `body` as JSON, tried again after a network
 * error, a timeout or a 5xx, up to `tries` times. A 2xx is success; a 3xx (not followed) or 4xx ends it. Resolves to
 * a report and never throws, except for invalid options (TypeError).
 */
export async function sendCallback(url: string, body: unknown, options: SendCallbackOptions): Promise<CallbackReport> {
  const tries = wholeNumber('tries', options.tries ?? 3, 1);
  const timeoutMs = wholeNumber('timeoutMs', options.timeoutMs ?? 5000, 1);
  const retryDelayMs = wholeNumber('retryDelayMs', options.retryDelayMs ?? 1000, 0);
  const { allow, signal } = options;
  const refusal = callbackUrlError(url, allow);
  if (refusal) return { ok: false, tries: 0, error: `callback_url ${refusal}` };
  let payload: string;
  try {
    payload = JSON.stringify(body) ?? 'null';
  } catch (error) {
    return { ok: false, tries: 0, error: `the body is not JSON: ${(error as Error).message}` };
  }
  const target = new URL(url);
  const tryOptions = { allow, timeoutMs, lookup: options.lookup ?? dns.lookup, signal };
  let done = 0;
  let last: Attempt = { ok: false, error: 'aborted', retry: false };
  while (done < tries && !signal?.aborted) {
    if (done > 0) await sleep(retryDelayMs, undefined, { signal }).catch(() => {});
    if (signal?.aborted) break;
    last = await put(target, payload, tryOptions);
    done += 1;
    if (!last.retry) break;
  }
  if (signal?.aborted && last.retry) {
    last = { ...last, error: `aborted after: ${last.error}` };
  }
  const report: CallbackReport = { ok: last.ok, tries: done };
  if (last.status !== undefined) report.status = last.status;
  if (last.error !== undefined) report.error = last.error;
  return report;
}
