import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';
import { InstanceTagStore } from '../../src/db/stores/instance-tags';

let seq = 0;
function instance(tags?: string[]): InstanceRecord {
  const at = new Date(1_700_000_000_000 + seq++);
  return { ...instanceRecord({ host: 'h', node: 'h', createdAt: at, updatedAt: at, launchedAt: at }), ...(tags && { tags }) };
}

/** instance_tags (migration 0018): the server tags of microversion 2.26 on every database */
for (const database of testDatabases()) {
  describe(`instance tag store on ${database.name} (migration 0018, microversion 2.26)`, () => {
    const suite = useDatabase(database);
    let tags: InstanceTagStore;
    let instances: InstanceStore;
    before(() => {
      tags = new InstanceTagStore(suite.db);
      instances = new InstanceStore(suite.db);
    });

    const boot = async (t?: string[]) => {
      const i = instance(t);
      await instances.insert(i);
      return i.uuid;
    };

    it('adds a tag once (false the second time), lists in code point order the same on every dialect', async () => {
      const id = await boot();
      expect(await tags.add(id, 'b')).to.equal(true);
      expect(await tags.add(id, 'b')).to.equal(false);
      await tags.add(id, 'a');
      await tags.add(id, 'B');
      await tags.add(id, 'é');
      await tags.add(id, 'A b');
      // byte/code point order: upper case before lower case (a locale collation would mix them)
      expect(await tags.list(id)).to.deep.equal(['A b', 'B', 'a', 'b', 'é']);
      expect(await tags.exists(id, 'a')).to.equal(true);
      expect(await tags.exists(id, 'A')).to.equal(false); // tags compare case-sensitively
      expect((await instances.find(id)).tags).to.deep.equal(['A b', 'B', 'a', 'b', 'é']);
    });

    it('replaces all tags atomically, collapsing duplicates; deletes one or all', async () => {
      const id = await boot();
      await tags.set(id, ['x', 'y']);
      expect(await tags.set(id, ['z', 'y', 'z'])).to.deep.equal(['y', 'z']);
      expect(await tags.set(id, [])).to.deep.equal([]);
      await tags.set(id, ['k', 'l']);
      expect(await tags.delete(id, 'k')).to.equal(true);
      expect(await tags.delete(id, 'k')).to.equal(false);
      await tags.deleteAll(id);
      expect(await tags.list(id)).to.deep.equal([]);
    });

    it('stores the tags of new servers with them (a create with tags, microversion 2.52)', async () => {
      const id = await boot(['web', 'db', 'web']);
      expect(await tags.list(id)).to.deep.equal(['db', 'web']);
    });

    it('loads the tags of a whole list in one query per 500 servers', async () => {
      const ids = [await boot(['one']), await boot(), await boot(['two', 'three'])];
      const queries: string[] = [];
      const onQuery = (q: { sql: string }) => { if (q.sql.includes('instance_tags')) queries.push(q.sql); };
      suite.db.on('query', onQuery);
      try {
        const map = await tags.forInstances(ids);
        expect([...map.entries()]).to.deep.equal([[ids[0], ['one']], [ids[1], []], [ids[2], ['three', 'two']]]);
        const listed = await instances.list({ projectId: 'p' });
        expect(listed.find((i) => i.uuid === ids[2])!.tags).to.deep.equal(['three', 'two']);
      } finally {
        suite.db.removeListener('query', onQuery);
      }
      expect(queries).to.have.length(2); // forInstances once, list once (not once per server)
    });

    it('filters lists by tags, tags-any, not-tags and not-tags-any as Nova does', async () => {
      const project = `p-${randomUUID()}`;
      const make = async (t: string[]) => {
        const i = { ...instance(t), projectId: project };
        await instances.insert(i);
        return i.uuid;
      };
      const ab = await make(['a', 'b']);
      const a = await make(['a']);
      const c = await make(['c']);
      const none = await make([]);
      const ids = async (f: object) => (await instances.list({ projectId: project, tags: f })).map((i) => i.uuid).sort();
      const sorted = (...x: string[]) => x.sort();
      expect(await ids({ all: ['a', 'b'] })).to.deep.equal([ab]);
      expect(await ids({ all: ['a', 'a'] })).to.deep.equal(sorted(ab, a)); // a repeated tag counts once
      expect(await ids({ any: ['b', 'c'] })).to.deep.equal(sorted(ab, c));
      expect(await ids({ notAll: ['a', 'b'] })).to.deep.equal(sorted(a, c, none));
      expect(await ids({ notAny: ['a', 'c'] })).to.deep.equal([none]);
      expect(await ids({ all: ['a'], notAny: ['b'] })).to.deep.equal([a]);
      expect(await ids({ all: [''] })).to.deep.equal([]);
    });

    it('drops the tags of a deleted server (Nova\'s instance_destroy)', async () => {
      const id = await boot(['gone']);
      await instances.update(id, { deletedAt: new Date(), vmState: 'deleted' });
      expect(await suite.db('instance_tags').where('instance_uuid', id)).to.deep.equal([]);
    });
  });
}
