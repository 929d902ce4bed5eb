import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import knex, { Knex } from 'knex';
import { openDatabase, migrateLatest } from '../../src/db/knex';
import { InstanceRecord } from '../../src/db/stores/instances';
import { QuotaStore } from '../../src/db/stores/quotas';
import { QuotaExceeded, QuotaService } from '../../src/compute/quotas';

function instance(projectId: string, userId: string): InstanceRecord {
  const at = new Date();
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId, userId, host: 'h', node: 'h', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: 'building', taskState: 'scheduling', powerState: 0, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
  } as InstanceRecord;
}

/** Two knex pools on one PostgreSQL database: what two API processes sharing it look like. */
interface SharedDatabase {
  readonly name: string;
  open(): Promise<{ a: Knex; b: Knex; drop(): Promise<void> }>;
}

function sharedDatabases(): SharedDatabase[] {
  // SQLite is not here: better-sqlite3 waits for another connection's write lock synchronously,
  // so two connections in ONE process deadlock; the API race test covers SQLite's single writer.
  const list: SharedDatabase[] = [];
  const pg = process.env.NOVASHIM_TEST_POSTGRES;
  if (pg) {
    list.push({
      name: 'PostgreSQL (two pools)',
      open: async () => {
        const name = `novashim_quota_${randomBytes(4).toString('hex')}`;
        const admin = knex({ client: 'pg', connection: pg });
        await admin.raw(`CREATE DATABASE ${name}`);
        const url = new URL(pg);
        url.pathname = `/${name}`;
        const a = openDatabase(url.toString());
        await migrateLatest(a);
        const b = openDatabase(url.toString());
        return {
          a, b,
          async drop() {
            await a.destroy();
            await b.destroy();
            await admin.raw(`DROP DATABASE ${name}`);
            await admin.destroy();
          },
        };
      },
    });
  } else if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error('REQUIRE_POSTGRES=1 but NOVASHIM_TEST_POSTGRES is not set');
  }
  return list;
}

/** Counting made slow: without the lock, every concurrent create would count before any of them inserts. */
function slowCounting(ms: number): () => void {
  const instances = QuotaStore.prototype.instanceUsage;
  const keypairs = QuotaStore.prototype.keypairCount;
  const pause = () => new Promise((resolve) => setTimeout(resolve, ms));
  QuotaStore.prototype.instanceUsage = async function slow(this: QuotaStore, ...args: Parameters<typeof instances>) {
    const usage = await instances.apply(this, args);
    await pause();
    return usage;
  };
  QuotaStore.prototype.keypairCount = async function slow(this: QuotaStore, ...args: Parameters<typeof keypairs>) {
    const n = await keypairs.apply(this, args);
    await pause();
    return n;
  };
  return () => {
    QuotaStore.prototype.instanceUsage = instances;
    QuotaStore.prototype.keypairCount = keypairs;
  };
}

for (const database of sharedDatabases()) {
  describe(`quota race on ${database.name} (migration 0017)`, function () {
    this.timeout(120_000);
    let a: Knex;
    let b: Knex;
    let drop: () => Promise<void>;
    let restore: () => void;
    before(async () => { ({ a, b, drop } = await database.open()); });
    beforeEach(() => { restore = slowCounting(20); });
    afterEach(() => restore());
    after(async () => { await drop(); });

    it('50 concurrent creates from two API processes against an instances quota of 10 make exactly 10 servers', async () => {
      const project = `p-${randomUUID()}`;
      await new QuotaStore(a).setLimits(project, undefined, { instances: 10 });
      const quotas = [new QuotaService(a), new QuotaService(b)];
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => quotas[i % 2].admitInstances(
        { projectId: project, userId: 'u', flavor: { vcpus: 1, memoryMb: 512 }, minCount: 1, maxCount: 1 },
        (count) => Array.from({ length: count }, () => instance(project, 'u')),
      )));
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      for (const r of refused) {
        expect(r.reason).to.be.instanceOf(QuotaExceeded);
        expect(r.reason.message).to.equal('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
      }
      expect(refused).to.have.length(40);
      const rows = await b('instances').where({ project_id: project }).count({ n: '*' });
      expect(Number(rows[0].n)).to.equal(10);
    });

    it('multiple creates racing for the last cores each get what is left, never more', async () => {
      const project = `p-${randomUUID()}`;
      await new QuotaStore(a).setLimits(project, undefined, { cores: 12 });
      const quotas = [new QuotaService(a), new QuotaService(b)];
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => quotas[i % 2].admitInstances(
        { projectId: project, userId: 'u', flavor: { vcpus: 1, memoryMb: 512 }, minCount: 1, maxCount: 3 },
        (count) => Array.from({ length: count }, () => instance(project, 'u')),
      )));
      const created = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<InstanceRecord[]>).value.length);
      expect(created.reduce((x, y) => x + y, 0)).to.equal(10); // the default instances quota (10) binds before cores (12)
      const rows = await a('instances').where({ project_id: project }).count({ n: '*' });
      expect(Number(rows[0].n)).to.equal(10);
    });

    it('30 concurrent key pair creates for one user against key_pairs 5 store exactly 5', async () => {
      const project = `p-${randomUUID()}`;
      const user = `u-${randomUUID()}`;
      await new QuotaStore(a).setLimits(project, undefined, { key_pairs: 5 });
      const dbs = [a, b];
      const quotas = [new QuotaService(a), new QuotaService(b)];
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => quotas[i % 2].admitKeypair(project, user, async (trx) => {
        await trx('keypairs').insert({ user_id: user, name: `k${i}`, type: 'ssh', public_key: 'ssh-rsa AAAA', fingerprint: 'f', created_at: Date.now() });
      })));
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(refused).to.have.length(25);
      for (const r of refused) expect(r.reason.message).to.equal('Quota exceeded, too many key pairs.');
      const rows = await dbs[1]('keypairs').where({ user_id: user }).count({ n: '*' });
      expect(Number(rows[0].n)).to.equal(5);
    });
  });
}
