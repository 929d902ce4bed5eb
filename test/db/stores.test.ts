import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { migrationSource } from '../../src/db/migrations';
import { FlavorStore } from '../../src/db/stores/flavors';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';
import { KeypairStore } from '../../src/db/stores/keypairs';
import { IdentityStore, isUniqueViolation } from '../../src/db/stores/identity';
import { FlavorNotFound, InstanceNotFound, KeypairExists } from '../../src/errors';

function instance(projectId: string, createdAt: number, fields: Partial<InstanceRecord> = {}): InstanceRecord {
  const at = new Date(createdAt);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId, userId: 'u', host: 'h1', node: 'h1', availabilityZone: 'nova',
    imageRef: 'img', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: 'building', taskState: 'scheduling', powerState: 0, keyName: null, keyData: null, metadata: { a: 'b' },
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null, ...fields,
  };
}

for (const database of testDatabases()) {
  describe(`stores on ${database.name}`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await database.open()));
    after(async () => { await drop(); });

    it('migrates down and up again', async () => {
      await db.migrate.rollback({ migrationSource }, true);
      expect(await db.schema.hasTable('instances')).to.equal(false);
      await db.migrate.latest({ migrationSource });
      expect(await db.schema.hasTable('instances')).to.equal(true);
    });

    it('seeds flavors once and filters them', async () => {
      const flavors = new FlavorStore(db);
      await flavors.seedDefaults();
      await flavors.seedDefaults();
      expect((await flavors.list()).map((f) => f.name)).to.deep.equal(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large']);
      expect((await flavors.list({ minRam: 4096 })).map((f) => f.id)).to.deep.equal(['3', '4']);
      expect((await flavors.find('1')).isPublic).to.equal(true);
      let missing: unknown;
      await flavors.find('nope').catch((e) => { missing = e; });
      expect(missing).to.be.instanceOf(FlavorNotFound);
    });

    it('stores instances, lists newest first, compares-and-swaps task_state, keeps one fault', async () => {
      const store = new InstanceStore(db);
      const older = instance('p1', 1_700_000_000_000);
      const newer = instance('p1', 1_700_000_001_000, { driverState: { v: 1, containerId: 'c' } });
      await store.insert(older);
      await store.insert(newer);
      await store.insert(instance('p2', 1_700_000_002_000));
      expect((await store.list({ projectId: 'p1' })).map((i) => i.uuid)).to.deep.equal([newer.uuid, older.uuid]);
      const back = await store.find(newer.uuid);
      expect(back.createdAt.getTime()).to.equal(1_700_000_001_000);
      expect(back.driverState).to.deep.equal({ v: 1, containerId: 'c' });
      expect(back.metadata).to.deep.equal({ a: 'b' });
      expect(await store.update(older.uuid, { taskState: 'spawning' }, 'scheduling')).to.equal(true);
      expect(await store.update(older.uuid, { taskState: 'spawning' }, 'scheduling')).to.equal(false);
      await store.setFault(older.uuid, { code: 500, message: 'first', details: '', createdAt: new Date() });
      await store.setFault(older.uuid, { code: 400, message: 'second', details: '', createdAt: new Date() });
      expect((await store.find(older.uuid)).fault).to.include({ code: 400, message: 'second' });
      await store.update(older.uuid, { deletedAt: new Date(), vmState: 'deleted' });
      let gone: unknown;
      await store.find(older.uuid).catch((e) => { gone = e; });
      expect(gone).to.be.instanceOf(InstanceNotFound);
      expect((await store.find(older.uuid, { includeDeleted: true })).vmState).to.equal('deleted');
      expect((await store.list({ vmStates: ['building'], projectId: 'p1' })).map((i) => i.uuid)).to.deep.equal([newer.uuid]);
    });

    it('keeps keypair names unique per user', async () => {
      const store = new KeypairStore(db);
      const k = { userId: 'u1', name: 'k', type: 'ssh', publicKey: 'ssh-ed25519 AAAA', fingerprint: 'f', createdAt: new Date() };
      await store.insert(k);
      await store.insert({ ...k, userId: 'u2' });
      let dup: unknown;
      await store.insert(k).catch((e) => { dup = e; });
      expect(dup).to.be.instanceOf(KeypairExists);
      expect((await store.find('u1', 'k')).id).to.be.a('number');
    });

    it('stores tokens by hash with millisecond expiry and resolves roles', async () => {
      const store = new IdentityStore(db);
      await store.insertProject({ id: 'p', name: 'p', domain_id: 'default', description: '', enabled: true });
      await store.insertUser({ id: 'u', name: 'u', domain_id: 'default', password_hash: 'x', default_project_id: 'p', enabled: true });
      const role = await store.ensureRole({ id: 'r', name: 'member' });
      expect((await store.ensureRole({ id: 'r2', name: 'member' })).id).to.equal(role.id);
      await store.assignRole('u', 'p', role.id);
      await store.assignRole('u', 'p', role.id);
      expect((await store.rolesOf('u', 'p')).map((r) => r.name)).to.deep.equal(['member']);
      await store.insertToken({ id_hash: 'h', user_id: 'u', project_id: 'p', methods: 'password', audit_id: 'a', issued_at: 1, expires_at: 1_800_000_000_123 });
      expect((await store.findToken('h'))!.expires_at).to.equal(1_800_000_000_123);
      expect((await store.findProject({ name: 'p' }))!.enabled).to.equal(true);
    });

    it('filters, updates and deletes identity rows, revoking tokens and spotting unique violations', async () => {
      const store = new IdentityStore(db);
      await store.insertProject({ id: 'pa', name: 'pa', domain_id: 'default', description: '', enabled: true });
      await store.insertProject({ id: 'pb', name: 'pb', domain_id: 'default', description: '', enabled: false });
      await store.insertUser({ id: 'ua', name: 'ua', domain_id: 'default', password_hash: 'x', default_project_id: null, enabled: true, email: 'a@b.c' });
      await store.insertRole({ id: 'ra', name: 'ra', description: 'd' });
      await store.assignRole('ua', 'pa', 'ra');
      await store.assignRole('ua', 'pb', 'ra');
      expect((await store.listProjects({ enabled: false })).map((p) => p.id)).to.deep.equal(['pb']);
      expect((await store.listProjects({ name: 'pa', domainId: 'default' })).map((p) => p.enabled)).to.deep.equal([true]);
      expect((await store.projectsOfUser('ua')).map((p) => p.id)).to.deep.equal(['pa', 'pb']);
      expect((await store.listUsers({ name: 'ua' }))[0].email).to.equal('a@b.c');
      expect(await store.hasRole('ua', 'pa', 'ra')).to.equal(true);
      expect((await store.listAssignments({ roleId: 'ra' })).length).to.equal(2);
      let dup: unknown;
      await store.insertRole({ id: 'rb', name: 'ra' }).catch((e) => { dup = e; });
      expect(isUniqueViolation(dup)).to.equal(true);
      await store.insertToken({ id_hash: 'ta', user_id: 'ua', project_id: 'pa', methods: 'password', audit_id: 'a', issued_at: 1, expires_at: 2 });
      await store.insertToken({ id_hash: 'tb', user_id: 'ua', project_id: 'pb', methods: 'password', audit_id: 'b', issued_at: 1, expires_at: 2 });
      expect(await store.deleteProject('pa')).to.equal(true);
      expect(await store.findToken('ta')).to.equal(undefined);
      expect(await store.hasRole('ua', 'pa', 'ra')).to.equal(false);
      expect(await store.unassignRole('ua', 'pb', 'ra')).to.equal(true);
      expect(await store.deleteUser('ua')).to.equal(true);
      expect(await store.findToken('tb')).to.equal(undefined);
      expect(await store.deleteUser('ua')).to.equal(false);
      expect(await store.deleteRole('ra')).to.equal(true);
    });
  });
}
