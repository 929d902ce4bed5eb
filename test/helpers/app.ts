import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import type { Knex } from 'knex';
import { loadConfig, Config } from '../../src/config';
import { silentLogger, createLogger, Logger } from '../../src/log';
import { openDatabase, migrateLatest } from '../../src/db/knex';
import { createServices, Services } from '../../src/services';
import { buildApp } from '../../src/app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { ComputeDriver } from '../../src/drivers/driver';
import { IdentityStore } from '../../src/db/stores/identity';
import { bootstrapIdentity } from '../../src/identity/bootstrap';
import { hashPassword } from '../../src/identity/passwords';
import { newId, DEFAULT_DOMAIN } from '../../src/identity/service';

export interface TestApp {
  readonly request: supertest.Agent;
  readonly services: Services;
  readonly config: Config;
  readonly driver: ComputeDriver;
  readonly db: Knex;
  readonly projects: { admin: string; demo: string; alt: string };
  /** project-scoped tokens: admin (admin role), demo (member), alt (member of another project), reader */
  readonly tokens: { admin: string; demo: string; alt: string; reader: string };
  close(): Promise<void>;
}

/**
 * A real Koa app on real SQLite (in memory) with the fake driver and every response checked
 * against its schema (responseValidation 'error'): Nova's functional-test setup.
 */
export async function makeTestApp(opts: { driver?: ComputeDriver; config?: Partial<Config>; log?: Logger } = {}): Promise<TestApp> {
  const config = loadConfig({}, {
    databaseUrl: 'sqlite://:memory:', driver: 'fake', responseValidation: 'error', dataDir: tmpDir(),
    publicUrl: 'http://novashim.test', ...opts.config,
  });
  const db = openDatabase(config.databaseUrl);
  await migrateLatest(db);
  const driver = opts.driver ?? new FakeDriver();
  const services = createServices(config, opts.log ?? silentLogger(), db, driver);
  const store = new IdentityStore(db);
  const { adminProjectId, demoProjectId } = await bootstrapIdentity(store, { admin: 'admin-pw', demo: 'demo-pw' });
  const alt = await addUser(store, 'alt', 'member');
  await addUser(store, 'reader', 'reader', demoProjectId);
  await services.flavors.seedDefaults();
  // the suites boot more servers (and groups) in these projects than Nova's default quotas allow
  // (10 instances, 20 cores, 10 server groups); quota suites go back to the defaults with
  // DELETE /os-quota-sets/{project}
  const unlimited = { instances: -1, cores: -1, ram: -1, server_groups: -1, server_group_members: -1 };
  for (const project of [adminProjectId, demoProjectId]) await services.quotas.update(project, undefined, unlimited, true);
  const request = supertest.agent(buildApp(config, opts.log ?? (process.env.DEBUG_LOG ? createLogger('debug') : silentLogger()), services).callback());
  const tokens = {
    admin: await login(request, 'admin', 'admin-pw', 'admin'),
    demo: await login(request, 'demo', 'demo-pw', 'demo'),
    alt: await login(request, 'alt', 'alt-pw', 'alt'),
    reader: await login(request, 'reader', 'reader-pw', 'demo'),
  };
  return {
    request, services, config, driver, db, tokens,
    projects: { admin: adminProjectId, demo: demoProjectId, alt },
    async close() {
      await services.tasks.idle();
      await db.destroy();
    },
  };
}

async function addUser(store: IdentityStore, name: string, role: string, projectId?: string): Promise<string> {
  const pid = projectId ?? newId();
  if (!projectId) await store.insertProject({ id: pid, name, domain_id: DEFAULT_DOMAIN.id, description: '', enabled: true });
  const uid = newId();
  await store.insertUser({ id: uid, name, domain_id: DEFAULT_DOMAIN.id, password_hash: await hashPassword(`${name}-pw`), default_project_id: pid, enabled: true });
  const r = await store.ensureRole({ id: newId(), name: role });
  await store.assignRole(uid, pid, r.id);
  return pid;
}

export async function login(request: supertest.Agent, user: string, password: string, project: string): Promise<string> {
  const res = await request.post('/identity/v3/auth/tokens').send({
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  });
  if (res.status !== 201) throw new Error(`login ${user} failed: ${res.status} ${res.text}`);
  return res.headers['x-subject-token'];
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-test-'));
}
