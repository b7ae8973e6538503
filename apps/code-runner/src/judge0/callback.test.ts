import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { CallbackAllowError, callbackUrlError, type Lookup, parseCallbackAllow, sendCallback } from './callback.ts';

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

interface Receiver {
  port: number;
  url: string;
  received: Received[];
}

const servers: { close(): void; closeAllConnections?(): void }[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.();
    server.close();
  }
});

/** A real HTTP server on `host` that records each request and answers with `answer` (the nth request, from 0). */
async function receiver(
  answer: (response: http.ServerResponse, n: number) => void = (response) => response.end('ok'),
  { host = '127.0.0.1', port = 0 } = {},
): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(response, received.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host}:${bound}`, received };
}

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A DNS stand-in that answers every name with `addresses`. */
function resolvesTo(...addresses: string[]): Lookup {
  const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return (_hostname, _options, callback) => setImmediate(() => callback(null, answer));
}

const fast = { retryDelayMs: 5, timeoutMs: 2000 };

describe('parseCallbackAllow', () => {
  it('takes nothing as callbacks disabled', () => {
    for (const text of [undefined, '', '  , \n ']) expect(parseCallbackAllow(text).enabled).toBe(false);
  });

  it('reads names, wildcards, addresses and CIDRs separated by commas or whitespace', () => {
    const allow = parseCallbackAllow('Hooks.Example.COM, *.example.org\n10.0.0.0/8  127.0.0.1/32,fd00::/8 2001:DB8::1');
    expect(allow.enabled).toBe(true);
    expect([...allow.names]).toEqual(['hooks.example.com']);
    expect(allow.suffixes).toEqual(['.example.org']);
    expect(allow.ranges.map((range) => range.cidr)).toEqual([
      '10.0.0.0/8',
      '127.0.0.1/32',
      'fd00::/8',
      '2001:db8::1/128',
    ]);
  });

  it('spells an international name as the URL parser does', () => {
    const allow = parseCallbackAllow('bücher.example');
    expect([...allow.names]).toEqual(['xn--bcher-kva.example']);
    expect(callbackUrlError('https://BÜCHER.example/hook', allow)).toBeNull();
  });

  it.each([
    ['https://hooks.example.com', /^"https:\/\/hooks.example.com" is not a valid entry; expected a host name/],
    ['hooks.example.com:8080', /^"hooks.example.com:8080" is not a valid entry; expected/],
    ['a..example', /^"a..example" is not a valid entry/],
    ['-a.example', /^"-a.example" is not a valid entry/],
    ['*.', /^"\*." is not a valid entry/],
    ['*.*.example.com', /^"\*.\*.example.com" is not a valid entry/],
    ['10.1', /^"10.1" is not a valid entry/],
    ['300.1.1.1', /^"300.1.1.1" is not a valid entry/],
    ['10.0.0.0/33', /^"10.0.0.0\/33" has a bad prefix length; expected \/0 to \/32$/],
    ['fd00::/129', /^"fd00::\/129" has a bad prefix length; expected \/0 to \/128$/],
    ['10.0.0.0/x', /^"10.0.0.0\/x" has a bad prefix length/],
    ['10.0.0.0/8/8', /^"10.0.0.0\/8\/8" is not a valid entry/],
    ['fe80::1%eth0', /^"fe80::1%eth0" is not a valid entry/],
    ['::ffff:10.0.0.0/104', /^"::ffff:10.0.0.0\/104" is an IPv4-mapped IPv6 address; write IPv4 addresses as such/],
    ['*', /^"\*" would allow every host: list 0.0.0.0\/0 and ::\/0/],
  ])('refuses %j, naming it and what is expected', (entry, message) => {
    const parse = () => parseCallbackAllow(`ok.example ${entry}`);
    expect(parse).toThrow(CallbackAllowError);
    expect(parse).toThrow(message);
  });
});

describe('callbackUrlError', () => {
  const allow = parseCallbackAllow('hooks.example.com *.example.org 10.0.0.0/8 fd00::/8');

  it("answers Judge0's own message when callbacks are disabled", () => {
    expect(callbackUrlError('https://hooks.example.com/', parseCallbackAllow(''))).toBe(
      'setting callback is not allowed',
    );
  });

  it('accepts allowed names, subdomains of a wildcard and addresses within a CIDR', () => {
    for (const url of [
      'https://hooks.example.com/judge0?id=1',
      'http://HOOKS.example.com:8080/',
      'https://a.example.org/',
      'https://a.b.example.org/',
      'http://10.1.2.3/',
      'http://[fd12::1]:8080/',
    ]) {
      expect(callbackUrlError(url, allow), url).toBeNull();
    }
  });

  it('refuses what is not an absolute http or https URL', () => {
    for (const url of ['hooks.example.com/x', '/callback', 'ftp://hooks.example.com/', 'javascript:alert(1)', '']) {
      expect(callbackUrlError(url, allow), url).toBe('must be an absolute http:// or https:// URL');
    }
  });

  it('refuses a user name or password and a URL past 2048 characters', () => {
    expect(callbackUrlError('https://user:secret@hooks.example.com/', allow)).toBe(
      'must not contain a user name or password',
    );
    expect(callbackUrlError('https://user@hooks.example.com/', allow)).toBe('must not contain a user name or password');
    const long = `https://hooks.example.com/${'a'.repeat(2048)}`;
    expect(callbackUrlError(long, allow)).toBe('is too long (maximum is 2048 characters)');
  });

  it('refuses hosts not in the list, and the wildcard domain itself', () => {
    expect(callbackUrlError('https://evil.example/', allow)).toBe(
      'host "evil.example" is not allowed (CALLBACK_ALLOW)',
    );
    expect(callbackUrlError('https://example.org/', allow)).toBe('host "example.org" is not allowed (CALLBACK_ALLOW)');
    expect(callbackUrlError('https://badexample.org/', allow)).toBe(
      'host "badexample.org" is not allowed (CALLBACK_ALLOW)',
    );
    expect(callbackUrlError('https://hooks.example.com.evil.example/', allow)).toBe(
      'host "hooks.example.com.evil.example" is not allowed (CALLBACK_ALLOW)',
    );
    expect(callbackUrlError('http://11.0.0.1/', allow)).toBe('host "11.0.0.1" is not allowed (CALLBACK_ALLOW)');
    expect(callbackUrlError('http://[2001:db8::1]/', allow)).toBe('host "2001:db8::1" is not allowed (CALLBACK_ALLOW)');
  });

  it('sees through other spellings of an address', () => {
    const everything = parseCallbackAllow('0.0.0.0/0 ::/0');
    const loopback = 'is a loopback address, allowed only by a CIDR within 127.0.0.0/8 in CALLBACK_ALLOW';
    expect(callbackUrlError('http://2130706433/', everything)).toBe(`host "127.0.0.1" ${loopback}`);
    expect(callbackUrlError('http://0x7f.1/', everything)).toBe(`host "127.0.0.1" ${loopback}`);
    expect(callbackUrlError('http://[::ffff:127.0.0.1]/', everything)).toBe(`host "::ffff:7f00:1" ${loopback}`);
    expect(callbackUrlError('http://[0:0:0:0:0:ffff:a9fe:a9fe]/', everything)).toMatch(/is a cloud metadata address/);
  });

  it('keeps loopback, link-local and metadata addresses out of wide CIDRs; a CIDR within them lets them in', () => {
    const wide = parseCallbackAllow('0.0.0.0/0 ::/0 169.254.0.0/16');
    expect(callbackUrlError('http://93.184.215.14/', wide)).toBeNull();
    expect(callbackUrlError('http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/', wide)).toBeNull();
    expect(callbackUrlError('http://127.0.0.1/', wide)).toMatch(/loopback address/);
    expect(callbackUrlError('http://[::1]/', wide)).toBe(
      'host "::1" is the loopback address, allowed only by a CIDR within ::1/128 in CALLBACK_ALLOW',
    );
    expect(callbackUrlError('http://0.0.0.0/', wide)).toMatch(/unspecified address/);
    expect(callbackUrlError('http://[fe80::1]/', wide)).toMatch(/link-local address/);
    expect(callbackUrlError('http://224.0.0.1/', wide)).toMatch(/multicast address/);
    expect(callbackUrlError('http://255.255.255.255/', wide)).toMatch(/broadcast address/);
    expect(callbackUrlError('http://169.254.1.1/', wide)).toBeNull();
    for (const host of ['169.254.169.254', '[fd00:ec2::254]', '100.100.100.200', '168.63.129.16', '169.254.170.2']) {
      expect(callbackUrlError(`http://${host}/`, wide), host).toMatch(/is a cloud metadata address/);
    }

    const exact = parseCallbackAllow('127.0.0.1/32 ::1 169.254.169.254/32');
    expect(callbackUrlError('http://127.0.0.1:8080/', exact)).toBeNull();
    expect(callbackUrlError('http://[::1]/', exact)).toBeNull();
    expect(callbackUrlError('http://169.254.169.254/', exact)).toBeNull();
    expect(callbackUrlError('http://127.0.0.2/', exact)).toMatch(/loopback address/);
  });
});

describe('sendCallback', () => {
  const loopback = parseCallbackAllow('127.0.0.1/32');
  const submission = { token: 'a1b2', status: { id: 3, description: 'Accepted' }, stdout: 'aGkK' };

  it('PUTs the body as JSON to an allowed address', async () => {
    const server = await receiver();
    const report = await sendCallback(`${server.url}/judge0?x=1#frag`, submission, { allow: loopback, ...fast });
    expect(report).toEqual({ ok: true, tries: 1, status: 200 });
    expect(server.received).toEqual([
      { method: 'PUT', url: '/judge0?x=1', contentType: 'application/json', body: JSON.stringify(submission) },
    ]);
  });

  it('does not reach loopback through a host name alone', async () => {
    const server = await receiver();
    const report = await sendCallback(`http://localhost:${server.port}/`, submission, {
      allow: parseCallbackAllow('localhost'),
      ...fast,
    });
    expect(report.ok).toBe(false);
    expect(report.tries).toBe(1);
    expect(report.error).toMatch(/^host "localhost" resolves only to .*127\.0\.0\.1, which is a loopback address/);
    expect(server.received).toEqual([]);
  });

  it.each([
    ['169.254.169.254', /169\.254\.169\.254, which is a cloud metadata address/],
    ['::ffff:127.0.0.1', /::ffff:127\.0\.0\.1, which is a loopback address/],
    ['::1', /::1, which is the loopback address/],
  ])('refuses an allowed name that resolves to %s, without trying again', async (address, message) => {
    const server = await receiver();
    const report = await sendCallback(`http://callback.test:${server.port}/`, submission, {
      allow: parseCallbackAllow('callback.test'),
      lookup: resolvesTo(address),
      ...fast,
    });
    expect(report).toEqual({ ok: false, tries: 1, error: expect.stringMatching(message) });
    expect(server.received).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'connects only to the allowed one of the addresses a name resolves to',
    async () => {
      // Linux answers all of 127.0.0.0/8: two servers on one port, one of them at an address the list refuses.
      const good = await receiver();
      const bad = await receiver(undefined, { host: '127.0.0.2', port: good.port });
      const report = await sendCallback(`http://callback.test:${good.port}/`, submission, {
        allow: parseCallbackAllow('callback.test 127.0.0.1/32'),
        lookup: resolvesTo('127.0.0.2', '169.254.169.254', '127.0.0.1'),
        ...fast,
      });
      expect(report).toEqual({ ok: true, tries: 1, status: 200 });
      expect(good.received).toHaveLength(1);
      expect(bad.received).toEqual([]);
    },
  );

  it('tries three times when the connection is refused', async () => {
    const port = await closedPort();
    const report = await sendCallback(`http://127.0.0.1:${port}/`, submission, { allow: loopback, ...fast });
    expect(report).toEqual({ ok: false, tries: 3, error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('tries again after a 5xx', async () => {
    const server = await receiver((response, n) => {
      response.statusCode = n < 2 ? 500 : 200;
      response.end();
    });
    const report = await sendCallback(server.url, submission, { allow: loopback, ...fast });
    expect(report).toEqual({ ok: true, tries: 3, status: 200 });
    expect(server.received).toHaveLength(3);
  });

  it('gives up after the last 5xx, and at once on a 4xx', async () => {
    const failing = await receiver((response) => {
      response.statusCode = 503;
      response.end();
    });
    expect(await sendCallback(failing.url, submission, { allow: loopback, tries: 2, ...fast })).toEqual({
      ok: false,
      tries: 2,
      status: 503,
      error: 'answered 503',
    });
    const rejecting = await receiver((response) => {
      response.statusCode = 404;
      response.end();
    });
    expect(await sendCallback(rejecting.url, submission, { allow: loopback, ...fast })).toEqual({
      ok: false,
      tries: 1,
      status: 404,
      error: 'answered 404',
    });
  });

  it('tries again when no answer comes within timeoutMs', async () => {
    const server = await receiver((response) => {
      setTimeout(() => response.end('late'), 1000).unref();
    });
    const started = performance.now();
    const report = await sendCallback(server.url, submission, { allow: loopback, timeoutMs: 50, retryDelayMs: 5 });
    expect(report).toEqual({ ok: false, tries: 3, error: 'no answer within 50 ms' });
    expect(server.received).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('does not follow a redirect', async () => {
    const target = await receiver();
    const redirecting = await receiver((response) => {
      response.writeHead(302, { location: `${target.url}/elsewhere` });
      response.end();
    });
    const report = await sendCallback(redirecting.url, submission, { allow: loopback, ...fast });
    expect(report).toEqual({
      ok: false,
      tries: 1,
      status: 302,
      error: `redirect (302 to "${target.url}/elsewhere") not followed`,
    });
    expect(redirecting.received).toHaveLength(1);
    expect(target.received).toEqual([]);
  });

  it('reads at most 64 KiB of an answer', async () => {
    const server = await receiver((response) => {
      response.write(Buffer.alloc(1024 * 1024));
      // Never ends: only the cut at 64 KiB lets the request finish.
    });
    const report = await sendCallback(server.url, submission, { allow: loopback, timeoutMs: 60_000 });
    expect(report).toEqual({ ok: true, tries: 1, status: 200 });
  });

  it('sends https with the host name as the name the certificate must hold', async () => {
    // A TLS server without a certificate: it records the name the client asks for (SNI), then fails the handshake.
    const asked: string[] = [];
    const server = tls.createServer({
      SNICallback(servername, callback) {
        asked.push(servername);
        callback(new Error('no certificate here'));
      },
    });
    server.on('tlsClientError', () => {});
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const report = await sendCallback(`https://callback.test:${port}/`, submission, {
      allow: parseCallbackAllow('callback.test 127.0.0.1/32'),
      lookup: resolvesTo('127.0.0.1'),
      tries: 1,
    });
    expect(report.ok).toBe(false);
    expect(asked).toEqual(['callback.test']);
  });

  it('refuses before any request what callbackUrlError refuses', async () => {
    expect(await sendCallback('http://127.0.0.2/', submission, { allow: loopback })).toEqual({
      ok: false,
      tries: 0,
      error:
        'callback_url host "127.0.0.2" is a loopback address, allowed only by a CIDR within 127.0.0.0/8 in CALLBACK_ALLOW',
    });
    expect(await sendCallback('http://127.0.0.1/', submission, { allow: parseCallbackAllow('') })).toEqual({
      ok: false,
      tries: 0,
      error: 'callback_url setting callback is not allowed',
    });
  });

  it('reports a body that is not JSON, and stops when aborted', async () => {
    const server = await receiver();
    expect(await sendCallback(server.url, { n: 1n }, { allow: loopback })).toEqual({
      ok: false,
      tries: 0,
      error: expect.stringMatching(/^the body is not JSON: .*BigInt/),
    });
    expect(await sendCallback(server.url, submission, { allow: loopback, signal: AbortSignal.abort() })).toEqual({
      ok: false,
      tries: 0,
      error: 'aborted',
    });
    const slow = await receiver(() => {});
    const report = await sendCallback(slow.url, submission, { allow: loopback, signal: AbortSignal.timeout(50) });
    expect(report).toEqual({ ok: false, tries: 1, error: 'aborted' });
    expect(server.received).toEqual([]);
  });

  it('checks its options up front', async () => {
    await expect(sendCallback('http://127.0.0.1/', null, { allow: loopback, tries: 0 })).rejects.toThrow(
      'Expected `tries` to be a whole number >= 1, got `0` (number)',
    );
    await expect(sendCallback('http://127.0.0.1/', null, { allow: loopback, timeoutMs: 1.5 })).rejects.toThrow(
      'Expected `timeoutMs` to be a whole number >= 1, got `1.5` (number)',
    );
  });
});
