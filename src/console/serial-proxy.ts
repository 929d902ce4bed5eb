import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log';
import { DomainError } from '../errors';
import { RemoteConsoleService, SERIAL_CONSOLE_PATH } from '../compute/remote-consoles';

/** the URL handed out, and websockify's conventional path (clients that send the token as a cookie) */
const CONSOLE_PATHS = new Set([SERIAL_CONSOLE_PATH, '/websockify']);
/** what one client may send in one frame: keystrokes and pastes, not uploads */
const MAX_FRAME_BYTES = 64 * 1024;
/** console output queued for a slow client before the container side is paused */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface SerialConsoleProxy {
  /** closes every open console (the HTTP server is closed by its owner) */
  close(): void;
}

/**
 * The serial console websocket (nova-serialproxy's job), on the API's own HTTP server: an upgrade
 * of GET /compute/serial-console?token=… takes the one-time token, attaches to the instance's
 * console and then relays raw bytes both ways in binary frames (a text frame's bytes are typed
 * too). Closing either side closes the other. A refused upgrade gets a plain HTTP answer and the
 * socket is closed: 401 for a missing, wrong, used or expired token, 404/409 when the instance is
 * gone or not running. The token is never logged (only the path is).
 */
export function serveSerialConsoles(server: Server, consoles: RemoteConsoleService, log: Logger): SerialConsoleProxy {
  // novaconsole and websockify clients ask for the "binary" subprotocol; raw bytes are all we speak
  const wss = new WebSocketServer({
    noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!CONSOLE_PATHS.has(url.pathname)) return refuse(socket, 404, 'No websocket here.');
    // a malformed handshake must not burn the token, so it is refused before the token is taken
    if (!isWebSocketHandshake(req)) return refuse(socket, 400, 'Expected a websocket upgrade (version 13).');
    void consoles.connect(tokenOf(req, url)).then(({ instanceUuid, stream }) => {
      const clog = log.child({ instanceId: instanceUuid });
      if (socket.destroyed) return void stream.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        clog.info({ path: url.pathname, remote: req.socket.remoteAddress }, 'serial console connected');
        relay(ws, stream, clog);
      });
    }, (err: unknown) => {
      const status = err instanceof DomainError ? err.status : 500;
      if (status >= 500) log.error({ err, path: url.pathname }, 'serial console attach failed');
      else log.info({ status, path: url.pathname }, 'serial console refused');
      refuse(socket, status, err instanceof DomainError && err.expose ? err.message : 'Console unavailable.');
    });
  });

  return {
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** Bytes both ways until either side ends; the console stream is paused while the client lags. */
function relay(ws: WebSocket, stream: Duplex, log: Logger): void {
  let closed = false;
  const finish = (why: string, code = 1000) => {
    if (closed) return;
    closed = true;
    stream.destroy();
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, why);
    log.info({ why }, 'serial console closed');
  };

  stream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (stream.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES / 2) stream.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER_BYTES) stream.pause();
  });
  stream.on('end', () => finish('console ended'));
  stream.on('close', () => finish('console ended'));
  stream.on('error', (err: Error) => { log.warn({ err: err.message }, 'serial console stream failed'); finish('console failed', 1011); });

  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    if (closed) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    stream.write(bytes);
  });
  ws.on('close', () => finish('client closed'));
  ws.on('error', (err: Error) => { log.info({ err: err.message }, 'serial console client failed'); finish('client failed', 1011); });
}

/**
 * The token from the query (the URL handed out), else from a `token` cookie: as Nova's console
 * proxy, for websockify-style clients (noVNC before 1.1, tempest's create_websocket) that send the
 * URL's query as a Cookie header to GET /websockify.
 */
function tokenOf(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'token' && value.length) return decodeURIComponent(value.join('='));
  }
  return null;
}

function isWebSocketHandshake(req: IncomingMessage): boolean {
  return req.method === 'GET'
    && (req.headers.upgrade ?? '').toLowerCase() === 'websocket'
    && typeof req.headers['sec-websocket-key'] === 'string'
    && req.headers['sec-websocket-version'] === '13';
}

function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
