import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { migrationSource } from '../../src/db/migrations';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';
import { InstanceActionStore } from '../../src/db/stores/instance-actions';

const instance = (): InstanceRecord => instanceRecord({ projectId: 'p1', imageRef: 'img' });

for (const database of testDatabases()) {
  describe(`locks and instance actions on ${database.name}`, () => {
    const suite = useDatabase(database);

    it('stores the lock and who holds it on the instance', async () => {
      const instances = new InstanceStore(suite.db);
      const i = instance();
      await instances.insert(i);
      expect(await instances.find(i.uuid)).to.deep.include({ locked: false, lockedBy: null });
      await instances.update(i.uuid, { locked: true, lockedBy: 'admin' });
      expect(await instances.find(i.uuid)).to.deep.include({ locked: true, lockedBy: 'admin' });
      expect((await instances.list({ projectId: 'p1' })).find((x) => x.uuid === i.uuid)).to.deep.include({ locked: true, lockedBy: 'admin' });
      await instances.update(i.uuid, { locked: false, lockedBy: null });
      expect(await instances.find(i.uuid)).to.deep.include({ locked: false, lockedBy: null });
    });

    it('lists actions newest first, finds the newest by request id, keeps events and marks an Error on the action', async () => {
      const instances = new InstanceStore(suite.db);
      const store = new InstanceActionStore(suite.db);
      const i = instance();
      const other = instance();
      await instances.insert(i, other);
      const base = { instanceUuid: i.uuid, userId: 'u', projectId: 'p1' };
      const create = await store.start({ ...base, requestId: 'req-1', action: 'create', startTime: new Date(1000) });
      const stop = await store.start({ ...base, requestId: 'req-2', action: 'stop', startTime: new Date(2000) });
      const again = await store.start({ ...base, requestId: 'req-2', action: 'start', startTime: new Date(2000) });
      await store.start({ ...base, instanceUuid: other.uuid, requestId: 'req-9', action: 'create', startTime: new Date(3000) });
      expect([create, stop, again].every(Number.isInteger)).to.equal(true);

      const listed = await store.list(i.uuid);
      expect(listed.map((a) => a.action)).to.deep.equal(['start', 'stop', 'create']);
      expect(listed[2]).to.deep.equal({
        id: create, instanceUuid: i.uuid, requestId: 'req-1', action: 'create', userId: 'u', projectId: 'p1',
        startTime: new Date(1000), updatedAt: new Date(1000), finishTime: null, message: null,
      });
      expect((await store.findByRequestId(i.uuid, 'req-2'))!.id).to.equal(again);
      expect(await store.findByRequestId(i.uuid, 'req-9')).to.equal(null);
      expect((await store.latest(i.uuid))!.id).to.equal(again);
      expect(await store.latest(randomUUID())).to.equal(null);

      const ok = await store.startEvent(stop, 'compute_stop_instance', new Date(2100));
      expect((await store.events(stop))[0]).to.deep.include({ event: 'compute_stop_instance', result: null, finishTime: null, traceback: null });
      await store.finishEvent(ok, 'Success', new Date(2200));
      expect((await store.findByRequestId(i.uuid, 'req-1'))!.message).to.equal(null);
      const bad = await store.startEvent(stop, 'compute_other', new Date(2300));
      await store.finishEvent(bad, 'Error', new Date(2400), 'Error: boom\n    at x');
      const events = await store.events(stop);
      expect(events.map((e) => [e.event, e.result, e.finishTime?.getTime(), e.traceback])).to.deep.equal([
        ['compute_other', 'Error', 2400, 'Error: boom\n    at x'],
        ['compute_stop_instance', 'Success', 2200, null],
      ]);
      const marked = (await store.list(i.uuid)).map((a) => [a.action, a.message]);
      expect(marked).to.deep.equal([['start', null], ['stop', 'Error'], ['create', null]]);

      await store.finish(stop, new Date(2500));
      expect((await store.list(i.uuid)).find((a) => a.id === stop)!.finishTime).to.deep.equal(new Date(2500));
    });

    it('migrates down and up again with the new tables', async () => {
      await suite.db.migrate.rollback({ migrationSource }, true);
      expect(await suite.db.schema.hasTable('instance_actions')).to.equal(false);
      await suite.db.migrate.latest({ migrationSource });
      expect(await suite.db.schema.hasTable('instance_actions_events')).to.equal(true);
      expect(await suite.db.schema.hasColumn('instances', 'locked_by')).to.equal(true);
    });
  });
}
