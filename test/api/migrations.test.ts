import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API, as, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { DriverFlavor, DriverInstance } from '../../src/drivers/driver';
import { TaskState } from '../../src/compute/states';
import type { MigrationRecord } from '../../src/db/stores/migrations';

/** A fake whose next resize fails. */
class FailingResizeDriver extends FakeDriver {
  failNext = false;
  override async resize(instance: DriverInstance, flavor: DriverFlavor): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('engine refused the new limits');
    }
    return super.resize(instance, flavor);
  }
}

const V = (version: string) => ({ 'X-OpenStack-Nova-API-Version': version });

describe('migrations: records, os-migrations, /servers/{id}/migrations, migrate and os-migrateLive', () => {
  const driver = new FailingResizeDriver();
  const c = useComputeApp({ driver });

  /** servers a test booted, deleted after it (the demo project's instance quota is 10) */
  let booted: string[] = [];
  afterEach(async () => {
    for (const id of booted) {
      await c.t.services.instances.update(id, { taskState: null, locked: false, lockedBy: null });
      await c.t.request.delete(`${API}/servers/${id}`).set(as(c.t.tokens.admin));
    }
    booted = [];
    await c.t.services.tasks.idle();
  });

  async function boot(name = 'vm', keep = false): Promise<string> {
    const id = await c.boot(name);
    if (!keep) booted.push(id);
    return id;
  }
  const act = async (id: string, body: object, version = '2.1', token = c.t.tokens.admin) => {
    const res = await c.t.request.post(`${API}/servers/${id}/action`).set(as(token)).set(V(version)).send(body);
    await c.t.services.tasks.idle();
    return res;
  };
  const show = async (id: string) => (await c.t.request.get(`${API}/servers/${id}`).set(as(c.t.tokens.admin)).set(V('2.1'))).body.server;
  const list = (query = '', version = '2.1', token = c.t.tokens.admin) =>
    c.t.request.get(`${API}/os-migrations${query}`).set(as(token)).set(V(version));
  const of = async (id: string, version = '2.23') => (await list(`?instance_uuid=${id}`, version)).body.migrations as Record<string, unknown>[];

  /** a live migration record in `status`, as a multi-host deployment would have one */
  async function liveMigration(server: string, status: string): Promise<MigrationRecord> {
    const instance = await c.t.services.instances.find(server);
    return c.t.services.migrations.begin(instance, 'live-migration', instance.flavor.id, { status, dest: 'other-host' });
  }

  describe('resize records', () => {
    it('records every resize: pre-migrating → … → finished, then confirmed; old and new flavor, this host as source and destination', async () => {
      const id = await boot();
      expect(await of(id)).to.deep.equal([]);
      expect((await act(id, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo)).status).to.equal(202);
      const [m] = await of(id);
      expect(m).to.include({
        instance_uuid: id, migration_type: 'resize', status: 'finished', old_instance_type_id: 1, new_instance_type_id: 2,
        source_compute: c.t.config.computeHost, dest_compute: c.t.config.computeHost, source_node: c.t.config.computeHost, dest_node: c.t.config.computeHost,
      });
      expect(m.created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect(m.updated_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect((await act(id, { confirmResize: null }, '2.1', c.t.tokens.demo)).status).to.equal(204);
      expect((await of(id)).map((x) => x.status)).to.deep.equal(['confirmed']);
    });

    it('a reverted resize ends reverted; a failed one error; each resize has its own record, newest first', async () => {
      const id = await boot();
      await act(id, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      expect((await act(id, { revertResize: null }, '2.1', c.t.tokens.demo)).status).to.equal(202);
      expect((await show(id)).status).to.equal('ACTIVE');
      driver.failNext = true;
      await act(id, { resize: { flavorRef: '3' } }, '2.1', c.t.tokens.demo);
      const ms = await of(id);
      expect(ms.map((x) => [x.status, x.new_instance_type_id])).to.deep.equal([['error', 3], ['reverted', 2]]);
    });

    it("a deleted server's migrations are not listed any more (Nova deletes them with the server)", async () => {
      const id = await boot();
      await act(id, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      expect(await of(id)).to.have.length(1);
      expect((await c.t.request.delete(`${API}/servers/${id}`).set(as(c.t.tokens.demo))).status).to.equal(204);
      await c.t.services.tasks.idle();
      expect(await of(id)).to.deep.equal([]);
    });
  });

  describe('GET /os-migrations', () => {
    let server: string;
    before(async () => {
      server = await boot('listed', true);
      await act(server, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      await act(server, { confirmResize: null }, '2.1', c.t.tokens.demo);
    });

    it('is admin only (os_compute_api:os-migrations:index): 403 for a member and a reader', async () => {
      for (const token of [c.t.tokens.demo, c.t.tokens.reader]) {
        const res = await list('', '2.1', token);
        expect(res.status).to.equal(403);
        expect(res.body.forbidden.message).to.contain('os_compute_api:os-migrations:index');
      }
    });

    it('shows the 2.1 fields only at 2.1: no migration_type, links or uuid', async () => {
      const res = await list(`?instance_uuid=${server}`);
      expect(res.status, res.text).to.equal(200);
      expect(Object.keys(res.body.migrations[0]).sort()).to.deep.equal([
        'created_at', 'dest_compute', 'dest_host', 'dest_node', 'id', 'instance_uuid', 'new_instance_type_id',
        'old_instance_type_id', 'source_compute', 'source_node', 'status', 'updated_at',
      ]);
    });

    it('filters by status, host, source_compute, instance_uuid and migration_type', async () => {
      const host = c.t.config.computeHost;
      const ids = async (q: string) => ((await list(q, '2.23')).body.migrations as { instance_uuid: string }[]).map((m) => m.instance_uuid);
      expect(await ids(`?instance_uuid=${server}&status=confirmed`)).to.deep.equal([server]);
      expect(await ids(`?instance_uuid=${server}&status=finished`)).to.deep.equal([]);
      expect(await ids(`?instance_uuid=${server}&host=${host}`)).to.deep.equal([server]);
      expect(await ids(`?instance_uuid=${server}&host=elsewhere`)).to.deep.equal([]);
      expect(await ids(`?instance_uuid=${server}&source_compute=${host}`)).to.deep.equal([server]);
      expect(await ids(`?instance_uuid=${server}&source_compute=elsewhere`)).to.deep.equal([]);
      expect(await ids(`?instance_uuid=${server}&migration_type=resize`)).to.deep.equal([server]);
      expect(await ids(`?instance_uuid=${server}&migration_type=live-migration`)).to.deep.equal([]);
      expect(await ids(`?instance_uuid=${randomUUID()}`)).to.deep.equal([]);
      expect(await ids(`?instance_uuid=${server}&hidden=0`)).to.deep.equal([server]);
    });

    it('microversion 2.23: migration_type on every migration, links only on an in-progress live migration', async () => {
      const id = await boot('live');
      const running = await liveMigration(id, 'running');
      const res = await list(`?instance_uuid=${id}`, '2.23');
      expect(res.status, res.text).to.equal(200);
      const [m] = res.body.migrations;
      expect(m).to.include({ id: running.id, migration_type: 'live-migration', status: 'running', dest_compute: 'other-host' });
      expect(m.links).to.deep.equal([
        { rel: 'self', href: `http://novashim.test/compute/v2.1/servers/${id}/migrations/${running.id}` },
        { rel: 'bookmark', href: `http://novashim.test/compute/servers/${id}/migrations/${running.id}` },
      ]);
      expect(m).to.not.have.property('uuid');
      const resize = (await list(`?instance_uuid=${server}`, '2.23')).body.migrations[0];
      expect(resize.migration_type).to.equal('resize');
      expect(resize).to.not.have.property('links');
      await c.t.services.migrations.set(running, 'completed');
      expect((await list(`?instance_uuid=${id}`, '2.23')).body.migrations[0]).to.not.have.property('links');
      // 2.22 has no migration_type
      expect((await list(`?instance_uuid=${id}`, '2.22')).body.migrations[0]).to.not.have.property('migration_type');
    });

    it('microversion 2.59: uuid, limit and marker with a next link, changes-since; unknown parameters are a 400 (ignored before)', async () => {
      const a = await boot('paged-a');
      await act(a, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      await act(a, { revertResize: null }, '2.1', c.t.tokens.demo);
      await act(a, { resize: { flavorRef: '3' } }, '2.1', c.t.tokens.demo);
      const all = (await list(`?instance_uuid=${a}`, '2.59')).body.migrations;
      expect(all).to.have.length(2);
      for (const m of all) expect(m.uuid).to.match(/^[0-9a-f-]{36}$/);
      expect(all[0].new_instance_type_id, 'newest first').to.equal(3);

      const first = await list(`?instance_uuid=${a}&limit=1`, '2.59');
      expect(first.status, first.text).to.equal(200);
      expect(first.body.migrations.map((m: { uuid: string }) => m.uuid)).to.deep.equal([all[0].uuid]);
      expect(first.body.migrations_links).to.deep.equal([{
        rel: 'next', href: `http://novashim.test/compute/v2.1/os-migrations?instance_uuid=${a}&limit=1&marker=${all[0].uuid}`,
      }]);
      const second = await list(`?instance_uuid=${a}&limit=1&marker=${all[0].uuid}`, '2.59');
      expect(second.body.migrations.map((m: { uuid: string }) => m.uuid)).to.deep.equal([all[1].uuid]);
      const third = await list(`?instance_uuid=${a}&limit=1&marker=${all[1].uuid}`, '2.59');
      expect(third.body).to.deep.equal({ migrations: [] });
      const whole = await list(`?instance_uuid=${a}`, '2.59');
      expect(whole.body).to.not.have.property('migrations_links');

      const badMarker = await list(`?marker=${randomUUID()}`, '2.59');
      expectFault(badMarker, 400, 'badRequest', /^Marker .* could not be found\.$/);
      expect((await list('?limit=-1', '2.59')).status).to.equal(400);
      expect((await list('?limit=1&limit=2', '2.59')).status, 'limit once').to.equal(400);
      expect((await list('?bogus=1', '2.59')).status).to.equal(400);
      expect((await list('?bogus=1', '2.58')).status).to.equal(200);
      // before 2.59 limit is no parameter at all: everything is listed
      expect((await list(`?instance_uuid=${a}&limit=1`, '2.58')).body.migrations).to.have.length(2);

      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await list(`?instance_uuid=${a}&changes-since=${future}`, '2.59')).body.migrations).to.deep.equal([]);
      expect((await list(`?instance_uuid=${a}&changes-since=2000-01-01T00:00:00Z`, '2.59')).body.migrations).to.have.length(2);
      expect((await list(`?instance_uuid=${a}&changes-since=${future}`, '2.58')).body.migrations, 'ignored before 2.59').to.have.length(2);
      expect((await list('?changes-since=yesterday', '2.59')).status).to.equal(400);
    });

    it('microversion 2.66: changes-before (ignored at 2.59..2.65; earlier than changes-since is a 400)', async () => {
      const past = '2000-01-01T00:00:00Z';
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await list(`?instance_uuid=${server}&changes-before=${past}`, '2.66')).body.migrations).to.deep.equal([]);
      expect((await list(`?instance_uuid=${server}&changes-before=${future}`, '2.66')).body.migrations).to.have.length(1);
      expect((await list(`?instance_uuid=${server}&changes-before=${past}`, '2.65')).status, 'unknown at 2.65').to.equal(400);
      const crossed = await list(`?changes-since=${future}&changes-before=${past}`, '2.66');
      expectFault(crossed, 400, 'badRequest', 'The value of changes-since must be less than or equal to changes-before.');
    });
  });

  describe('/servers/{id}/migrations', () => {
    const path = (id: string, rest = '') => `${API}/servers/${id}/migrations${rest}`;

    it('microversion 2.23: lists only in-progress live migrations (none here: a resize is not one); 404 below 2.23', async () => {
      const id = await boot('srv-mig');
      await act(id, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      expect((await c.t.request.get(path(id)).set(as(c.t.tokens.admin)).set(V('2.22'))).status).to.equal(404);
      const none = await c.t.request.get(path(id)).set(as(c.t.tokens.admin)).set(V('2.23'));
      expect(none.status, none.text).to.equal(200);
      expect(none.body).to.deep.equal({ migrations: [] });
      const running = await liveMigration(id, 'running');
      await liveMigration(id, 'completed');
      const listed = await c.t.request.get(path(id)).set(as(c.t.tokens.admin)).set(V('2.23'));
      expect(listed.body.migrations).to.have.length(1);
      expect(listed.body.migrations[0]).to.include({ id: running.id, server_uuid: id, status: 'running', memory_total_bytes: null });
      expect(listed.body.migrations[0]).to.not.have.property('uuid');
      const at259 = await c.t.request.get(path(id)).set(as(c.t.tokens.admin)).set(V('2.59'));
      expect(at259.body.migrations[0].uuid).to.equal(running.uuid);
      expect((await c.t.request.get(path(randomUUID())).set(as(c.t.tokens.admin)).set(V('2.23'))).status).to.equal(404);
      expect((await c.t.request.get(path(id)).set(as(c.t.tokens.demo)).set(V('2.23'))).status, 'admin only').to.equal(403);
    });

    it("microversion 2.23: show answers Nova's 404s for a migration that is not an in-progress live migration", async () => {
      const id = await boot('srv-mig-show');
      await act(id, { resize: { flavorRef: '2' } }, '2.1', c.t.tokens.demo);
      const [resize] = await of(id);
      const get = (mid: string | number, v = '2.23') => c.t.request.get(path(id, `/${mid}`)).set(as(c.t.tokens.admin)).set(V(v));
      expect((await get(resize.id as number)).body.itemNotFound.message).to.equal(`Migration ${resize.id} for server ${id} is not live-migration.`);
      expect((await get(999999)).body.itemNotFound.message).to.equal(`In-progress live migration 999999 is not found for server ${id}.`);
      const done = await liveMigration(id, 'completed');
      expect((await get(done.id)).body.itemNotFound.message).to.equal(`Live migration ${done.id} for server ${id} is not in progress.`);
      const running = await liveMigration(id, 'running');
      const ok = await get(running.id);
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body.migration).to.include({ id: running.id, server_uuid: id, dest_compute: 'other-host' });
      expect((await get(running.id, '2.22')).status).to.equal(404);
    });

    it('microversion 2.22: force_complete is 409 unless the server is migrating, then 400 for an unknown or not running migration', async () => {
      const id = await boot('force');
      const post = (mid: string | number, v = '2.22', body: object = { force_complete: null }) =>
        c.t.request.post(path(id, `/${mid}/action`)).set(as(c.t.tokens.admin)).set(V(v)).send(body);
      expect((await post(1, '2.21')).status).to.equal(404);
      const idle = await post(1);
      expectFault(idle, 409, 'conflictingRequest', `Cannot 'force_complete' instance ${id} while it is in task_state None`);
      expect((await post(1, '2.22', { force_complete: {} })).status, 'the body is null').to.equal(400);
      await c.t.services.instances.update(id, { taskState: TaskState.MIGRATING });
      try {
        const unknown = await post(424242);
        expectFault(unknown, 400, 'badRequest', `Migration 424242 not found for instance ${id}`);
        const queued = await liveMigration(id, 'queued');
        const notRunning = await post(queued.id);
        expect(notRunning.status).to.equal(400);
        expect(notRunning.body.badRequest.message).to.equal(
          `Migration ${queued.id} state of instance ${id} is queued. Cannot force complete while the migration is in this state.`);
        expect((await c.t.request.post(path(id, `/${queued.id}/action`)).set(as(c.t.tokens.demo)).set(V('2.22')).send({ force_complete: null })).status).to.equal(403);
      } finally {
        await c.t.services.instances.update(id, { taskState: null });
      }
    });

    it('microversion 2.24: abort (DELETE) is 409 unless migrating, then 404 for an unknown and 400 for a queued migration (allowed from microversion 2.65)', async () => {
      const id = await boot('abort');
      const del = (mid: string | number, v = '2.24') => c.t.request.delete(path(id, `/${mid}`)).set(as(c.t.tokens.admin)).set(V(v));
      expect((await del(1, '2.23')).status).to.equal(404);
      const idle = await del(1);
      expectFault(idle, 409, 'conflictingRequest', `Cannot 'abort live migration' instance ${id} while it is in task_state None`);
      await c.t.services.instances.update(id, { taskState: TaskState.MIGRATING });
      try {
        const unknown = await del(424242);
        expectFault(unknown, 404, 'itemNotFound', `Migration 424242 not found for instance ${id}`);
        const queued = await liveMigration(id, 'queued');
        const early = await del(queued.id);
        expect(early.status).to.equal(400);
        expect(early.body.badRequest.message).to.contain('Cannot abort live migration while the migration is in this state.');
        // 2.65 allows a queued one: there is no live migration to abort behind it here
        expect((await del(queued.id, '2.65')).status).to.equal(501);
      } finally {
        await c.t.services.instances.update(id, { taskState: null });
      }
    });
  });

  describe('migrate (cold migration) on one compute host', () => {
    it('is admin only after the lookup: 404 for an unknown server, 403 for the owner', async () => {
      expect((await act(randomUUID(), { migrate: null })).status).to.equal(404);
      const id = await boot();
      const res = await act(id, { migrate: null }, '2.1', c.t.tokens.demo);
      expect(res.status).to.equal(403);
      expect(res.body.forbidden.message).to.contain('os_compute_api:os-migrate-server:migrate');
    });

    it("answers 202, then the scheduler finds no other host: the migration in error, the server ACTIVE with Nova's fault", async () => {
      const id = await boot('cold');
      const res = await act(id, { migrate: null });
      expect(res.status, res.text).to.equal(202);
      const server = await show(id);
      expect(server.status).to.equal('ACTIVE');
      expect(server['OS-EXT-STS:task_state']).to.equal(null);
      expect(server.flavor.id).to.equal('1');
      const [m] = await of(id);
      expect(m).to.include({ migration_type: 'migration', status: 'error', old_instance_type_id: 1, new_instance_type_id: 1, source_compute: c.t.config.computeHost });
      const actions = (await c.t.request.get(`${API}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.admin))).body.instanceActions;
      expect(actions.map((a: { action: string }) => a.action)).to.include('migrate');
      const faults = await c.t.db('instance_faults').where('instance_uuid', id);
      expect(faults[0].message).to.equal('No valid host was found. No valid host found for cold migrate');
    });

    it('a stopped server can be migrated (SHUTOFF again after); a suspended or locked one is a 409', async () => {
      const id = await boot();
      await act(id, { 'os-stop': null }, '2.1', c.t.tokens.demo);
      expect((await act(id, { migrate: null })).status).to.equal(202);
      expect((await show(id)).status).to.equal('SHUTOFF');
      await act(id, { 'os-start': null }, '2.1', c.t.tokens.demo);
      await act(id, { suspend: null }, '2.1', c.t.tokens.demo);
      const suspended = await act(id, { migrate: null });
      expectFault(suspended, 409, 'conflictingRequest', `Cannot 'migrate' instance ${id} while it is in vm_state suspended`);
    });

    it('microversion 2.56: a named host must exist and not be the current one (400); before 2.56 the body is not read', async () => {
      const id = await boot();
      const same = await act(id, { migrate: { host: c.t.config.computeHost } }, '2.56');
      expectFault(same, 400, 'badRequest', 'Cannot migrate to the host where the server exists.');
      const unknown = await act(id, { migrate: { host: 'nowhere' } }, '2.56');
      expectFault(unknown, 400, 'badRequest', 'Compute host nowhere could not be found.');
      expect((await act(id, { migrate: { host: 'bad host!' } }, '2.56')).status).to.equal(400);
      expect((await act(id, { migrate: { other: 1 } }, '2.56')).status).to.equal(400);
      expect((await act(id, { migrate: { host: null } }, '2.56')).status).to.equal(202);
      expect((await act(id, { migrate: { host: 'nowhere', other: 1 } }, '2.55')).status, 'not validated, host ignored').to.equal(202);
      expect((await of(id)).map((m) => m.status)).to.deep.equal(['error', 'error']);
    });
  });

  describe('os-migrateLive on one compute host', () => {
    const live = (id: string, body: object, version: string, token = c.t.tokens.admin) => act(id, { 'os-migrateLive': body }, version, token);

    it('is admin only; unknown server 404; a stopped server 409', async () => {
      expect((await live(randomUUID(), { host: null, block_migration: 'auto' }, '2.25')).status).to.equal(404);
      const id = await boot();
      expect((await live(id, { host: null, block_migration: 'auto' }, '2.25', c.t.tokens.demo)).status).to.equal(403);
      await act(id, { 'os-stop': null }, '2.1', c.t.tokens.demo);
      const stopped = await live(id, { host: null, block_migration: 'auto' }, '2.25');
      expectFault(stopped, 409, 'conflictingRequest', `Cannot 'os-migrateLive' instance ${id} while it is in vm_state stopped`);
    });

    it('at 2.1 needs disk_over_commit and answers the conductor now: 400 No valid host, or Unable to migrate to the current host', async () => {
      const id = await boot();
      expect((await live(id, { host: null, block_migration: false }, '2.1')).status, 'disk_over_commit required').to.equal(400);
      const none = await live(id, { host: null, block_migration: false, disk_over_commit: false }, '2.1');
      expectFault(none, 400, 'badRequest', 'No valid host was found. There are not enough hosts available.');
      const self = await live(id, { host: c.t.config.computeHost, block_migration: 'false', disk_over_commit: 'no' }, '2.1');
      expectFault(self, 400, 'badRequest', `Unable to migrate instance (${id}) to current host (${c.t.config.computeHost}).`);
      const unknown = await live(id, { host: 'nowhere', block_migration: false, disk_over_commit: false }, '2.1');
      expectFault(unknown, 400, 'badRequest', 'Compute host nowhere could not be found.');
      expect((await show(id)).status).to.equal('ACTIVE');
    });

    it('microversion 2.25: block_migration "auto", no disk_over_commit', async () => {
      const id = await boot();
      expect((await live(id, { host: null, block_migration: 'auto', disk_over_commit: false }, '2.25')).status).to.equal(400);
      expect((await live(id, { host: null, block_migration: 'auto' }, '2.24')).status, '"auto" is new in 2.25').to.equal(400);
      const res = await live(id, { host: null, block_migration: 'auto' }, '2.25');
      expect(res.status).to.equal(400); // still synchronous below 2.34
      expect(res.body.badRequest.message).to.equal('No valid host was found. There are not enough hosts available.');
    });

    it('microversion 2.30: force; forcing without a host is a 400; an unforced host goes through the scheduler', async () => {
      const id = await boot();
      expect((await live(id, { host: null, block_migration: 'auto', force: true }, '2.29')).status, 'no force before 2.30').to.equal(400);
      const noHost = await live(id, { host: null, block_migration: 'auto', force: true }, '2.30');
      expectFault(noHost, 400, 'badRequest', "Can't force to a non-provided destination");
      const forced = await live(id, { host: c.t.config.computeHost, block_migration: 'auto', force: true }, '2.30');
      expect(forced.body.badRequest.message).to.equal(`Unable to migrate instance (${id}) to current host (${c.t.config.computeHost}).`);
      const scheduled = await live(id, { host: c.t.config.computeHost, block_migration: 'auto', force: false }, '2.30');
      expect(scheduled.body.badRequest.message).to.equal('No valid host was found. There are not enough hosts available.');
    });

    it('microversion 2.34: answers 202, the checks run in the background: the live migration record ends in error and the server stays ACTIVE', async () => {
      const id = await boot('live-async');
      const res = await live(id, { host: null, block_migration: 'auto' }, '2.34');
      expect(res.status, res.text).to.equal(202);
      const server = await show(id);
      expect(server.status).to.equal('ACTIVE');
      expect(server['OS-EXT-STS:task_state']).to.equal(null);
      const [m] = await of(id);
      expect(m).to.include({ migration_type: 'live-migration', status: 'error', dest_compute: null });
      const faults = await c.t.db('instance_faults').where('instance_uuid', id);
      expect(faults[0].message).to.equal('No valid host was found. There are not enough hosts available.');
      const actions = (await c.t.request.get(`${API}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.admin))).body.instanceActions;
      expect(actions.map((a: { action: string }) => a.action)).to.include('live-migration');
      // an unknown host is still checked in the API
      expect((await live(id, { host: 'nowhere', block_migration: 'auto' }, '2.34')).status).to.equal(400);
    });

    it('microversion 2.68: force is gone (400)', async () => {
      const id = await boot();
      expect((await live(id, { host: c.t.config.computeHost, block_migration: 'auto', force: false }, '2.68')).status).to.equal(400);
      expect((await live(id, { host: c.t.config.computeHost, block_migration: 'auto', force: false }, '2.67')).status).to.equal(202);
      const res = await live(id, { host: c.t.config.computeHost, block_migration: 'auto' }, '2.68');
      expect(res.status).to.equal(202);
      expect((await of(id)).map((m) => [m.status, m.dest_compute])).to.deep.equal([['error', null], ['error', null]]);
    });
  });
});
