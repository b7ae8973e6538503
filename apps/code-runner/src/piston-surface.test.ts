import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createRegistry } from '@repo/service';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import type { FakeRunner } from '../test/fake-runner.ts';
import { createFakeHarness, type Harness } from '../test/harness.ts';
import { createApp } from './app.ts';
import { notFoundOrWrongMethod } from './http/allowed-methods.ts';
import { packagesAreReadOnly } from './routes/v2.ts';

// The rest of Piston's API surface: its package list, `GET /`'s version line, and 405 (not 404) for a known
// path asked with the wrong method. The routes' own answers: over a fake runner, nothing runs.

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const axiosAccept = 'application/json, text/plain, */*';

let h: Harness<FakeRunner>;
let webRoot: string;
/** The app of `h`'s runner with a built web page, to tell the page from the version line. */
let withPage: Harness['app'];
beforeAll(async () => {
  h = createFakeHarness({ NUM_RUNNERS: '1' });
  webRoot = mkdtempSync(path.join(os.tmpdir(), 'code-runner-web-'));
  writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>code-runner</title>\n');
  withPage = createApp({
    config: { ...h.config, WEB_ROOT: webRoot },
    runner: h.runner,
    logger: createLogger({ name: 'code-runner-test', level: 'silent' }),
    registry: createRegistry(),
  });
});
afterAll(async () => {
  await h?.close();
  if (webRoot) rmSync(webRoot, { recursive: true, force: true });
});

/** Anything with Hono's `request`: the code-runner app, or a small app of its own. */
interface Requestable {
  request(url: string, init: RequestInit): Response | Promise<Response>;
}

async function send(app: Requestable, method: string, url: string, headers: Record<string, string> = {}) {
  const res = await app.request(url, { method, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe("Piston's package manager (/api/v2/packages)", () => {
  it('lists one installed package per runtime, as /api/v2/runtimes has them', async () => {
    const res = await h.get('/api/v2/packages');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const runtimes = (await h.get('/api/v2/runtimes')).body as { language: string; version: string }[];
    expect(res.body).toEqual(
      runtimes.map((r) => ({ language: r.language, language_version: r.version, installed: true })),
    );
    expect(res.body).toContainEqual({ language: 'python', language_version: expect.any(String), installed: true });
  });

  it.each(['POST', 'DELETE'])(
    'refuses %s (install, uninstall) with 405, Allow and how to add a language',
    async (method) => {
      const res = await h.app.request('/api/v2/packages', {
        method,
        body: JSON.stringify({ language: 'python', version: '*' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect(await res.json()).toEqual({
        message: `${method} /api/v2/packages is not allowed: ${packagesAreReadOnly}`,
      });
      expect(packagesAreReadOnly).toMatch(/runtimes come with the code-runner image/);
    },
  );

  it('points to documentation that exists', () => {
    expect(packagesAreReadOnly).toContain('"Adding a language" in CONTRIBUTING.md');
    expect(readFileSync(path.join(repoRoot, 'CONTRIBUTING.md'), 'utf8')).toContain('## Adding a language');
    expect(existsSync(path.join(repoRoot, 'packages/languages'))).toBe(true);
  });

  it('is in /openapi.json: GET, and POST and DELETE as refused', async () => {
    const doc = await h.get('/openapi.json');
    const item = doc.body.paths['/api/v2/packages'];
    expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'post']);
    expect(Object.keys(item.post.responses)).toEqual(['405']);
    expect(doc.body.components.schemas).toHaveProperty('Package');
  });
});

describe('GET /', () => {
  it("answers Piston's version line to a client that asks for JSON", async () => {
    for (const accept of ['application/json', axiosAccept]) {
      const res = await send(withPage, 'GET', '/', { accept });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('vary')).toBe('Accept');
      expect(res.body).toEqual({ message: `code-runner v${packageJson.version}` });
    }
  });

  it('serves the web page to browsers, to */* and without Accept', async () => {
    for (const headers of [{ accept: browserAccept }, { accept: '*/*' }, {}]) {
      const res = await withPage.request('/', { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('vary')).toBe('Accept');
      expect(await res.text()).toContain('<title>code-runner</title>');
    }
  });

  it('prefers the page when JSON is weighted lower', async () => {
    const res = await withPage.request('/', { headers: { accept: 'application/json;q=0.5, text/html' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('405 for a known path asked with a method it does not accept', () => {
  it.each([
    ['GET', '/api/v2/execute', 'POST, OPTIONS', 'message'],
    ['PUT', '/api/v2/execute', 'POST, OPTIONS', 'message'],
    ['DELETE', '/api/v2/runtimes', 'GET, HEAD, OPTIONS', 'message'],
    ['POST', '/api/v2/info', 'GET, HEAD, OPTIONS', 'message'],
    ['POST', '/api/v2/connect', 'GET, HEAD, OPTIONS', 'message'],
    ['GET', '/api/v1/run', 'POST, OPTIONS', 'error'],
    ['POST', '/api/v1/languages', 'GET, HEAD, OPTIONS', 'error'],
    ['DELETE', '/api/v1/languages', 'GET, HEAD, OPTIONS', 'error'],
    ['POST', '/healthz', 'GET, HEAD, OPTIONS', 'message'],
    ['POST', '/openapi.json', 'GET, HEAD, OPTIONS', 'message'],
    ['POST', '/', 'GET, HEAD, OPTIONS', 'message'],
  ])("%s %s → 405, Allow: %s, in the API's error shape", async (method, url, allow, field) => {
    const res = await send(h.app, method, url);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ [field]: `${method} ${url} is not allowed; it accepts ${allow}` });
  });

  it('answers HEAD like GET: 405 where GET is not accepted, 200 where it is', async () => {
    const refused = await h.app.request('/api/v2/execute', { method: 'HEAD' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await refused.text()).toBe('');
    expect((await h.app.request('/api/v2/runtimes', { method: 'HEAD' })).status).toBe(200);
  });

  it('keeps CORS headers on a 405 under /api, so browsers can read it', async () => {
    const res = await send(h.app, 'GET', '/api/v2/execute', { origin: 'http://example.test' });
    expect(res.status).toBe(405);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('leaves unknown paths at 404, whatever the method', async () => {
    for (const [method, url] of [
      ['GET', '/api/v2/nothing'],
      ['POST', '/api/v2/nothing'],
      ['POST', '/nothing'],
      ['POST', '/api/v2/runtimes/extra'],
      ['POST', '/api/v2/runtimes/'],
      ['DELETE', '/api/v1/nothing'],
    ] as const) {
      const res = await send(h.app, method, url);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
      const field = url.startsWith('/api/v1') ? 'error' : 'message';
      expect(res.body).toEqual({ [field]: `no route for ${method} ${url}` });
    }
  });

  it('keeps CORS preflights as they were, and answers OPTIONS elsewhere with Allow', async () => {
    for (const url of ['/api/v2/execute', '/api/v2/packages', '/api/v1/run']) {
      const res = await h.app.request(url, {
        method: 'OPTIONS',
        headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    }
    const health = await h.app.request('/healthz', { method: 'OPTIONS' });
    expect(health.status).toBe(204);
    expect(health.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await h.app.request('/nothing', { method: 'OPTIONS' })).status).toBe(404);
  });

  it('covers any route from the registered ones: mounted, parametrised, added by another module', async () => {
    const app = new Hono();
    app.use('*', async (_c, next) => next());
    app.route(
      '/api/v2',
      new Hono().get('/connect', (c) => c.text('upgrade', 426)),
    );
    app.get('/things/:id', (c) => c.json({ id: c.req.param('id') }));
    app.on(['PUT', 'PATCH'], '/things/:id', (c) => c.body(null, 204));
    app.get('*', async (_c, next) => next());
    app.notFound(notFoundOrWrongMethod(app));

    const connect = await send(app, 'POST', '/api/v2/connect');
    expect(connect.status).toBe(405);
    expect(connect.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(connect.body).toEqual({ message: 'POST /api/v2/connect is not allowed; it accepts GET, HEAD, OPTIONS' });
    const thing = await send(app, 'DELETE', '/things/7');
    expect(thing.status).toBe(405);
    expect(thing.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, OPTIONS');
    expect((await send(app, 'DELETE', '/things/7/parts')).status).toBe(404);
    expect((await send(app, 'DELETE', '/things')).status).toBe(404);
  });
});
