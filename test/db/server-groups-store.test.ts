import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';
import { ServerGroupNotFound, ServerGroupStore } from '../../src/db/stores/server-groups';

function instance(host: string | null, launchIndex = 0): InstanceRecord {
  const at = new Date(1_700_000_000_000 + launchIndex);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId: 'p', userId: 'u', host, node: host, availabilityZone: 'nova',
    imageRef: 'img-1', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: host ? 'active' : 'error', taskState: null, powerState: 1, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
  } as InstanceRecord;
}

/** server_groups and server_group_members (migration 0016) */
for (const database of testDatabases()) {
  describe(`server group store on ${database.name} (migration 0016)`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    let groups: ServerGroupStore;
    let instances: InstanceStore;
    before(async () => {
      ({ db, drop } = await database.open());
      groups = new ServerGroupStore(db);
      instances = new InstanceStore(db);
    });
    after(async () => { await drop(); });

    const newGroup = async (projectId = 'p', policy: 'affinity' | 'anti-affinity' = 'affinity', name = 'g') => {
      const uuid = randomUUID();
      await groups.insert({ uuid, name, projectId, userId: 'u', policy, createdAt: new Date(1_700_000_000_000) });
      return uuid;
    };

    it('stores a group and finds it by uuid, within its project or from any (null)', async () => {
      const uuid = await newGroup('p1', 'anti-affinity', 'web');
      const found = await groups.find(uuid, 'p1');
      expect(found).to.deep.include({ uuid, name: 'web', projectId: 'p1', userId: 'u', policy: 'anti-affinity', members: [] });
      expect(found.createdAt.getTime()).to.equal(1_700_000_000_000);
      expect((await groups.find(uuid, null)).uuid).to.equal(uuid);
      await groups.find(uuid, 'other').then(() => expect.fail('found in another project'), (err) => {
        expect(err).to.be.instanceOf(ServerGroupNotFound);
        expect(err.message).to.equal(`Instance group ${uuid} could not be found.`);
      });
    });

    it('lists a project\'s groups in creation order, or every group', async () => {
      const a = await newGroup('list-a');
      const b = await newGroup('list-a');
      const c = await newGroup('list-b');
      expect((await groups.list('list-a')).map((g) => g.uuid)).to.deep.equal([a, b]);
      const all = (await groups.list(null)).map((g) => g.uuid);
      expect(all).to.include.members([a, b, c]);
    });

    it('shows live members in boot order, and their hosts; deleted instances drop out', async () => {
      const uuid = await newGroup();
      const [i0, i1, unplaced] = [instance('h1', 0), instance('h2', 1), instance(null, 2)];
      await instances.insert(i0, i1, unplaced);
      await groups.addMembers(uuid, [i0.uuid, i1.uuid, unplaced.uuid]);
      expect((await groups.find(uuid, null)).members).to.deep.equal([i0.uuid, i1.uuid, unplaced.uuid]);
      expect((await groups.memberHosts(uuid)).sort()).to.deep.equal(['h1', 'h2']);
      await instances.update(i1.uuid, { vmState: 'deleted', deletedAt: new Date() });
      expect((await groups.find(uuid, null)).members).to.deep.equal([i0.uuid, unplaced.uuid]);
      expect(await groups.memberHosts(uuid)).to.deep.equal(['h1']);
    });

    it('deletes a group with its memberships; a second delete is not found', async () => {
      const uuid = await newGroup();
      const i = instance('h1');
      await instances.insert(i);
      await groups.addMembers(uuid, [i.uuid]);
      await groups.delete(uuid);
      await groups.find(uuid, null).then(() => expect.fail('still there'), (err) => expect(err).to.be.instanceOf(ServerGroupNotFound));
      expect(await db('server_group_members').where({ group_uuid: uuid })).to.have.length(0);
      await groups.delete(uuid).then(() => expect.fail('deleted twice'), (err) => expect(err).to.be.instanceOf(ServerGroupNotFound));
    });

    it('refuses a member twice in the same group', async () => {
      const uuid = await newGroup();
      const i = instance('h1');
      await instances.insert(i);
      await groups.addMembers(uuid, [i.uuid]);
      let failed = false;
      await groups.addMembers(uuid, [i.uuid]).catch(() => { failed = true; });
      expect(failed).to.equal(true);
    });
  });
}
