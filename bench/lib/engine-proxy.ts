import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A pass-through proxy in front of the Docker engine's unix socket that counts the HTTP requests
 * going through it, so the bench can tell whether an API request made novashim call the engine.
 */
export interface EngineProxy {
  /** DOCKER_HOST for the process under test */
  readonly dockerHost: string;
  /** requests seen so far, as "METHOD /path" */
  readonly requests: string[];
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/g;

export async function startEngineProxy(engineSocket: string): Promise<EngineProxy> {
  const socketPath = path.join(os.tmpdir(), `novashim-bench-engine-${process.pid}.sock`);
  fs.rmSync(socketPath, { force: true });
  const requests: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.createConnection(engineSocket);
    open.add(client).add(engine);
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) requests.push(`${m[1]} ${m[2].replace(/^\/v[\d.]+/, '')}`);
    });
    client.pipe(engine).pipe(client);
    const end = () => { client.destroy(); engine.destroy(); open.delete(client); open.delete(engine); };
    client.on('error', end).on('close', end);
    engine.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
  return {
    dockerHost: `unix://${socketPath}`,
    requests,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    },
  };
}

/** the engine's unix socket from DOCKER_HOST (default /var/run/docker.sock); null for a tcp/ssh engine */
export function engineSocketPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : null;
}
