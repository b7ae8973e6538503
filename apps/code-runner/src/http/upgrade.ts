// WebSocket upgrades, answered by the Hono app first. `ws` directly rather than @hono/node-ws: a refused
// upgrade must carry the app's whole answer (503 with Retry-After and the reason, 401, 429 with its
// RateLimit headers), which @hono/node-ws cuts to a bare status line; the frame size must be bounded like a
// request body; and @hono/node-ws's peer range does not include @hono/node-server 2.
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'hono';
import { type WebSocket, WebSocketServer } from 'ws';

/** What a route does with an upgrade it accepted: `open` once the handshake is done, else `abandon`. */
export interface AcceptedUpgrade {
  open(socket: WebSocket): void;
  /** The client went away before the handshake completed (whatever the route took must be given back). */
  abandon(): void;
}

export interface Upgrades {
  /** Whether the request asks for a WebSocket, through a server this is attached to (not app.request). */
  wanted(c: Context): boolean;
  /** In a route, for a request wanted(): accepts its upgrade (the answer returned is not sent; the handshake is). */
  accept(c: Context, accepted: AcceptedUpgrade): Response;
  /** Listens for upgrades on `server`: each request goes through `fetch` (the app: its middleware and route). */
  attach(server: Server, fetch: (request: Request, env: unknown) => Response | Promise<Response>): void;
  /** Closes every open WebSocket with `code` (1001 going away: the server is shutting down). */
  close(code?: number, reason?: string): void;
}

export function createUpgrades(options: { maxPayload: number }): Upgrades {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const accepted = new WeakMap<IncomingMessage, AcceptedUpgrade>();
  /** Requests that came in as upgrades through attach() (not a plain request with an Upgrade header). */
  const upgrading = new WeakSet<IncomingMessage>();
  const incomingOf = (c: Context): IncomingMessage | undefined => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    return incoming && upgrading.has(incoming) ? incoming : undefined;
  };

  const upgrade = async (
    fetch: (request: Request, env: unknown) => Response | Promise<Response>,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ) => {
    upgrading.add(request);
    const gone = new AbortController();
    const onClose = () => gone.abort(new Error('the client closed the connection'));
    socket.once('close', onClose);
    socket.on('error', () => {}); // a reset connection is a closed one
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    let response: Response;
    try {
      response = await fetch(new Request(url, { method: request.method, headers, signal: gone.signal }), {
        incoming: request,
        outgoing: undefined,
      });
    } catch {
      response = new Response(JSON.stringify({ message: 'internal error' }), { status: 500 });
    }
    const route = accepted.get(request);
    accepted.delete(request);
    if (!route) return refuse(socket, response);
    socket.off('close', onClose);
    if (socket.destroyed) return route.abandon();
    let settled = false;
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (settled) return ws.terminate();
      settled = true;
      route.open(ws);
    });
    // A malformed handshake (bad key or version) is answered 400 by ws, which then never calls back.
    if (!settled)
      socket.once('close', () => {
        if (settled) return;
        settled = true;
        route.abandon();
      });
  };

  return {
    wanted: (c) => incomingOf(c) !== undefined && c.req.header('upgrade')?.toLowerCase() === 'websocket',
    accept(c, route) {
      const incoming = incomingOf(c);
      if (!incoming) throw new Error('accept() needs a request that came through attach()');
      accepted.set(incoming, route);
      return new Response(null, { status: 200 });
    },
    attach(server, fetch) {
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        void upgrade(fetch, request, socket, head);
      });
    },
    close(code = 1001, reason = 'the server is shutting down') {
      for (const ws of wss.clients) ws.close(code, reason);
    },
  };
}

/** Writes the app's answer (status, headers, body) on the raw socket and closes it. */
async function refuse(socket: Duplex, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
  for (const [name, value] of response.headers) {
    if (!['content-length', 'transfer-encoding', 'connection'].includes(name)) lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
}
