import type { Context } from 'hono';
import { METHOD_NAME_ALL, type Router } from 'hono/router';
import type { RouterRoute } from 'hono/types';
import { type ErrorShape, messageShape, refusal } from './errors.ts';

/** What of a Hono app tells which paths exist: its routes and the router built from them. */
export interface RoutedApp {
  routes: RouterRoute[];
  router: Router<[unknown, RouterRoute]>;
}

export interface NotFoundOrWrongMethodOptions {
  /** Why a path refuses the methods it does not accept, by route path (`/api/v2/packages`). */
  reasons?: Record<string, string>;
  /** The error shape of the API that answers (default `{"message": "..."}`). */
  shape?: ErrorShape;
}

const methodOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

// Middleware (`use`, method ALL) and the web page's catch-all (`GET *`) match every path, so they do not
// say which paths exist.
function isEndpoint(route: RouterRoute): boolean {
  return route.method !== METHOD_NAME_ALL && route.path !== '*' && route.path !== '/*';
}

/**
 * The methods `path` accepts and the routes it matched, asked of the app's own router (so `:params` and
 * strict trailing slashes work as they do for requests): HEAD wherever GET is (Hono answers HEAD from GET),
 * OPTIONS on every known path (CORS under /api, `Allow` elsewhere). Empty for an unknown path.
 */
export function allowedMethods(app: RoutedApp, path: string): { methods: string[]; routes: string[] } {
  const candidates = new Set(app.routes.filter(isEndpoint).map((route) => route.method));
  const methods = new Set<string>();
  const routes = new Set<string>();
  for (const method of candidates) {
    const [matches] = app.router.match(method, path);
    for (const [[, route]] of matches) {
      if (!isEndpoint(route)) continue;
      methods.add(route.method);
      routes.add(route.path);
    }
  }
  if (methods.size === 0) return { methods: [], routes: [] };
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  const rank = (method: string) => {
    const index = methodOrder.indexOf(method);
    return index === -1 ? methodOrder.length : index;
  };
  return {
    methods: [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    routes: [...routes],
  };
}

/**
 * A not-found handler: a known path asked with a method it does not accept answers 405 with `Allow`
 * (RFC 9110 §15.5.6) in `shape`; OPTIONS there answers 204 with `Allow`; anything else is 404. Which paths
 * exist is read from `app` (the whole server's, so that an API's sub-app sees every route) at request time,
 * so routes registered later are covered too.
 */
export function notFoundOrWrongMethod(app: RoutedApp, options: NotFoundOrWrongMethodOptions = {}) {
  const shape = options.shape ?? messageShape;
  return function notFoundOrWrongMethod(c: Context): Response {
    const { method, path } = c.req;
    const allowed = allowedMethods(app, path);
    const allow = allowed.methods.join(', ');
    if (method === 'OPTIONS' && allowed.methods.length > 0) return c.body(null, 204, { Allow: allow });
    if (allowed.methods.length === 0 || allowed.methods.includes(method)) {
      return refusal(c, shape, 404, `no route for ${method} ${path}`);
    }
    const reason = allowed.routes.map((route) => options.reasons?.[route]).find((text) => text !== undefined);
    const message = reason
      ? `${method} ${path} is not allowed: ${reason}`
      : `${method} ${path} is not allowed; it accepts ${allow}`;
    return refusal(c, shape, 405, message, { Allow: allow });
  };
}
