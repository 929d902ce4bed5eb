import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app';
import { silentLogger } from '../../src/log';
import type { TestApp } from './app';

/** The test app on a real socket, for requests supertest cannot make (explicit chunking, aborts). */
export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(t: TestApp): Promise<Listening> {
  const server = http.createServer(buildApp(t.config, silentLogger(), t.services).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface ChunkedPut {
  /** writes one chunk (Transfer-Encoding: chunked, as tempest uploads) */
  write(chunk: Buffer): Promise<void>;
  /** ends the body and resolves with the response */
  finish(): Promise<{ status: number; body: string }>;
  /** drops the connection half-way, like a client that dies */
  abort(): void;
}

export function chunkedPut(port: number, path: string, token: string, contentType = 'application/octet-stream'): ChunkedPut {
  const req = http.request({
    host: '127.0.0.1', port, path, method: 'PUT',
    headers: { 'X-Auth-Token': token, 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  response.catch(() => undefined); // an aborted request rejects; only finish() reports it
  return {
    write: (chunk) => new Promise((resolve, reject) => { req.write(chunk, (err) => (err ? reject(err) : resolve())); }),
    finish: () => {
      req.end();
      return response;
    },
    abort: () => { req.destroy(); },
  };
}
