import fs from 'node:fs';
import type Dockerode from 'dockerode';
import { expect } from 'chai';
import { imageTag } from '../../src/drivers/docker/images';
import { containerOf, dockerOrSkip, execIn } from './engine';
import { startLiveServer, LiveServer, FIXTURE_TAR } from './live-server';
import type { Config } from '../../src/config';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field in the tests */

export interface ApiReply {
  status: number;
  headers: Headers;
  /** the parsed JSON; the text when it is not JSON (Glance's 404 page), null when empty */
  body: any;
}

export interface CallOptions {
  /** another token than the demo user's, e.g. `api.adminToken` */
  token?: string;
  /** sent as application/octet-stream instead of a JSON body (image uploads) */
  raw?: Buffer;
}

/** Polls until check() answers true; fails after `seconds`. */
export async function until(check: () => Promise<boolean>, seconds: number, pollMs = 250): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${seconds}s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A keystone token for one of the users the live server's openrc files name. */
export async function login(env: NodeJS.ProcessEnv): Promise<string> {
  return (await loginScoped(env)).token;
}

/** The token and the id of the project it is scoped to. */
export async function loginScoped(env: NodeJS.ProcessEnv): Promise<{ token: string; projectId: string }> {
  const res = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME ?? 'Default' }, password: env.OS_PASSWORD } } },
      scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME ?? 'Default' } } },
    } }),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: { project: { id: string } } };
  return { token: res.headers.get('x-subject-token')!, projectId: body.token.project.id };
}

/**
 * The HTTP API of a live novashim as the demo user (the admin token at hand), plus what a test made
 * there: the servers it booted and the image ids whose engine tags the run created, so the suite's
 * after hook removes exactly those.
 */
export class LiveApi {
  readonly servers: string[] = [];
  readonly images: string[] = [];
  token = '';
  adminToken = '';
  private server: LiveServer | null = null;

  /** `overrides`: config for the live server (startLiveServer's) */
  constructor(private readonly docker: Dockerode, private readonly overrides: Partial<Config> = {}) {}

  get live(): LiveServer {
    if (!this.server) throw new Error('the live server is not started (useLiveApi starts it in before)');
    return this.server;
  }

  get started(): boolean {
    return this.server !== null;
  }

  get base(): string {
    return this.live.config.publicUrl;
  }

  async start(): Promise<void> {
    this.server = await startLiveServer(this.overrides);
    this.token = await login(this.server.env.demo);
    this.adminToken = await login(this.server.env.admin);
  }

  async call(method: string, path: string, body?: unknown, { token = this.token, raw }: CallOptions = {}): Promise<ApiReply> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': raw ? 'application/octet-stream' : 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let parsed: any = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** The server once it shows `status` with no task running; a server in ERROR fails the wait at once. */
  async waitForStatus(id: string, status: string, { seconds = 60, token = this.token }: { seconds?: number; token?: string } = {}): Promise<Record<string, any>> {
    let server: Record<string, any> = {};
    await until(async () => {
      server = (await this.call('GET', `/compute/v2.1/servers/${id}`, undefined, { token })).body.server;
      if (server.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(server.fault)}`);
      return server.status === status && server['OS-EXT-STS:task_state'] === null;
    }, seconds).catch((err: Error) => {
      throw new Error(`${err.message}: server ${id} never reached ${status} (last: ${server.status}/${server['OS-EXT-STS:task_state']} ${JSON.stringify(server.fault ?? '')})`);
    });
    return server;
  }

  /** Creates a server (flavor 1 unless given), remembered for the after hook; its id once ACTIVE. */
  async boot(server: Record<string, unknown>, seconds = 60): Promise<string> {
    const res = await this.call('POST', '/compute/v2.1/servers', { server: { flavorRef: '1', ...server } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const id = res.body.server.id as string;
    this.servers.push(id);
    await this.waitForStatus(id, 'ACTIVE', { seconds });
    return id;
  }

  /** A server action; its reply body, after checking the status code. */
  async action(id: string, body: object, expected = 202): Promise<any> {
    const res = await this.call('POST', `/compute/v2.1/servers/${id}/action`, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(expected);
    return res.body;
  }

  /** The id of the busybox fixture image, whose engine tag the after hook removes. */
  async busyboxImage(): Promise<string> {
    const id = (await this.call('GET', '/image/v2/images?name=busybox')).body.images[0].id as string;
    this.images.push(id);
    return id;
  }

  /** A file in a server's container, read with docker exec (fails when it is not there). */
  async readFile(serverId: string, path: string): Promise<string> {
    const container = await containerOf(this.docker, serverId);
    if (!container) throw new Error(`server ${serverId} has no container`);
    return execIn(this.docker, container.Id, ['cat', path]);
  }

  /** Deletes the servers booted here, waits until they and their containers are gone, stops the service. */
  async stop(): Promise<void> {
    if (!this.server) return;
    for (const id of this.servers) await this.call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    await this.server.running.services.tasks.idle();
    for (const id of this.servers) {
      await until(async () => (await this.call('GET', `/compute/v2.1/servers/${id}`)).status === 404 && !(await containerOf(this.docker, id)), 60)
        .catch(() => undefined);
    }
    await this.server.stop();
    // the engine-side tags of images this run's server loaded (fresh ids, so only ours)
    for (const id of this.images) await this.docker.getImage(imageTag(id)).remove().catch(() => undefined);
  }
}

/**
 * A live novashim (real Docker driver, busybox fixture registered) for the calling describe(): started
 * in a before hook (skipped without an engine, failed under REQUIRE_DOCKER=1), stopped in an after hook
 * that first deletes the servers booted through it. Hooks the suite registers later run after these.
 */
export function useLiveApi(docker: Dockerode, overrides: Partial<Config> = {}): LiveApi {
  const api = new LiveApi(docker, overrides);
  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    await api.start();
  });
  after(() => api.stop());
  return api;
}
