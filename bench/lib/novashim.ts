import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/free-port';

/** the repository root, seen from <outDir>/bench/lib/novashim.js */
export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURES_DIR = path.join(REPO, 'fixtures/images');
/** main.js of the same build as this file */
const MAIN_JS = path.resolve(__dirname, '../../src/main.js');

export interface Novashim {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** resident set size of the novashim process, in MiB (/proc/<pid>/status VmRSS) */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * A real novashim as a child process (node <build>/src/main.js) with its own data dir (SQLite) and
 * a free port, so the load generator in this process does not share its event loop.
 */
export async function startNovashim(env: Record<string, string>): Promise<Novashim> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-bench-'));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [MAIN_JS], {
    env: {
      ...process.env,
      NOVASHIM_HOST: '127.0.0.1', NOVASHIM_PORT: String(port), NOVASHIM_DATA_DIR: dataDir, NOVASHIM_FIXTURES_DIR: FIXTURES_DIR,
      NOVASHIM_LOG_LEVEL: 'warn', NOVASHIM_SHUTDOWN_TIMEOUT: '2', ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`novashim exited during start (${child.exitCode}): ${stderr}`);
    try {
      // the openrc file is written once this child listens (another process may have taken the port meanwhile)
      if (fs.existsSync(path.join(dataDir, 'openrc')) && (await fetch(`${url}/compute/`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`novashim did not start within 60 s: ${stderr}`);
    await sleep(50);
  }
  return {
    url, pid: child.pid!, dataDir,
    rssMb: () => rssMb(child.pid!),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
