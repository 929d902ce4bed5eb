import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FIELDS, Config } from '../../src/config';
import { FIXTURE_TAR, readOpenrc } from './live-server';
import { loginScoped, until } from './live-api';

/**
 * A novashim in its own child process (node dist/src/main.js), unlike startLiveServer's in-process
 * one: a test can SIGKILL it mid-work and start another on the same data dir and database, as an
 * operator restarting a crashed service would. Its log goes to <dataDir>/novashim-<n>.log.
 */
export class LiveProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private starts = 0;

  constructor(readonly config: Config, private readonly extraEnv: NodeJS.ProcessEnv = {}) {}

  get base(): string {
    return this.config.publicUrl;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** the users' OS_* variables, from the openrc files the process writes */
  openrc(user: 'admin' | 'demo'): NodeJS.ProcessEnv {
    return readOpenrc(path.join(this.config.dataDir, user === 'admin' ? 'openrc' : 'openrc.demo'));
  }

  /** spawns the process and waits until its API answers (recovery has run by then) */
  async start(seconds = 60): Promise<void> {
    if (this.child) throw new Error('already running');
    const main = path.resolve(__dirname, '../../src/main.js');
    const log = fs.openSync(path.join(this.config.dataDir, `novashim-${++this.starts}.log`), 'a');
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NOVASHIM_FIXTURES_DIR: path.dirname(FIXTURE_TAR), NOVASHIM_LOG_LEVEL: 'info' };
    for (const f of CONFIG_FIELDS) env[f.env] = String(this.config[f.key]);
    const child = spawn(process.execPath, [main], { env: { ...env, ...this.extraEnv }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const died = this.exited.then(() => { throw new Error(`novashim exited during start-up; see ${this.config.dataDir}`); });
    await Promise.race([died, until(async () => {
      const res = await fetch(`${this.base}/`).catch(() => null);
      return res !== null;
    }, seconds, 100)]);
  }

  /** SIGKILL: no shutdown code runs, background work is cut wherever it was */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM: the graceful stop main.ts installs */
  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }
}

/** An admin session on a LiveProcess: calls at microversion 2.79, the admin project's quotas lifted, the busybox image's id. */
export interface AdminSession {
  readonly projectId: string;
  readonly imageId: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function adminSession(proc: LiveProcess): Promise<AdminSession> {
  const { token, projectId } = await loginScoped(proc.openrc('admin'));
  const call: AdminSession['call'] = async (method, path, body) => {
    const res = await fetch(`${proc.base}${path}`, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json', 'x-openstack-nova-api-version': '2.79' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const quota = await call('PUT', `/compute/v2.1/os-quota-sets/${projectId}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
  if (quota.status !== 200) throw new Error(`cannot lift the admin project's quotas: ${quota.status} ${JSON.stringify(quota.body)}`);
  const imageId = (await call('GET', '/image/v2/images?name=busybox')).body.images[0].id as string;
  return { projectId, imageId, call };
}
