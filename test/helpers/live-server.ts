import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, Config } from '../../src/config';
import { silentLogger } from '../../src/log';
import { start, Running } from '../../src/main';
import { freePort } from './free-port';

export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURE_TAR = path.join(REPO, 'fixtures/images/busybox.tar');

export interface LiveServer {
  readonly running: Running;
  readonly config: Config;
  /** OS_* variables for the admin and demo users, as the openrc files say */
  readonly env: { admin: NodeJS.ProcessEnv; demo: NodeJS.ProcessEnv };
  stop(): Promise<void>;
}

/** Starts a real novashim (own data dir, free port, Docker driver, fixtures registered) as main.ts does. */
export async function startLiveServer(overrides: Partial<Config> = {}): Promise<LiveServer> {
  process.env.NOVASHIM_FIXTURES_DIR = path.dirname(FIXTURE_TAR);
  const config = await liveConfig(overrides);
  const { dataDir } = config;
  const running = await start(config, silentLogger());
  return {
    running, config,
    env: { admin: readOpenrc(path.join(dataDir, 'openrc')), demo: readOpenrc(path.join(dataDir, 'openrc.demo')) },
    async stop() {
      await running.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A live novashim's config: a new data dir (SQLite inside), a free port on 127.0.0.1, responses validated; `overrides` last. */
export async function liveConfig(overrides: Partial<Config> = {}): Promise<Config> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-live-'));
  return loadConfig({}, {
    host: '127.0.0.1', port, publicUrl: `http://127.0.0.1:${port}`, dataDir,
    databaseUrl: `sqlite://${path.join(dataDir, 'novashim.sqlite')}`, responseValidation: 'error', shutdownTimeoutSec: 2, ...overrides,
  });
}

/** Parses `export K=V` / `export K='V'` lines, as a shell sourcing the file would. */
export function readOpenrc(file: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/'\\''/g, "'");
  }
  return env;
}
