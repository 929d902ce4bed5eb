import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import knex, { Knex } from 'knex';
import { openDatabase, migrateLatest } from '../../src/db/knex';
import { FlavorSnapshot, InstanceRecord, InstanceStore } from '../../src/db/stores/instances';
import { QuotaStore } from '../../src/db/stores/quotas';
import { QuotaExceeded, QuotaService, restoreDeltas, upsizeDeltas } from '../../src/compute/quotas';
import { TaskState, VmState } from '../../src/compute/states';

const TINY: FlavorSnapshot = { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 };
const MEDIUM: FlavorSnapshot = { id: '3', name: 'm1.medium', memoryMb: 4096, vcpus: 2, rootGb: 40, ephemeralGb: 0, swap: 0 };

function instance(projectId: string, vmState: VmState): InstanceRecord {
  const at = new Date();
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId, userId: 'u', host: 'h', node: 'h', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: TINY, vmState, taskState: null, powerState: 1, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: at, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
  } as InstanceRecord;
}

/**
 * Two knex pools on one PostgreSQL database (two API processes sharing it): concurrent quota
 * claims of resizes and restores (QuotaService.admitChange) never exceed a limit together.
 * SQLite is covered by test/api/quota-claims.test.ts (one process: two SQLite connections in one
 * process would deadlock on the write lock, see quota-race.test.ts).
 */
const pg = process.env.NOVASHIM_TEST_POSTGRES;
if (!pg && process.env.REQUIRE_POSTGRES === '1') throw new Error('REQUIRE_POSTGRES=1 but NOVASHIM_TEST_POSTGRES is not set');
(pg ? describe : describe.skip)('quota claims race on PostgreSQL (two pools; migration 0025)', function () {
  this.timeout(120_000);
  let a: Knex;
  let b: Knex;
  let admin: Knex;
  let name = '';
  let restore: () => void = () => undefined;

  before(async () => {
    name = `novashim_claims_${randomBytes(4).toString('hex')}`;
    admin = knex({ client: 'pg', connection: pg! });
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(pg!);
    url.pathname = `/${name}`;
    a = openDatabase(url.toString());
    await migrateLatest(a);
    b = openDatabase(url.toString());
  });
  after(async () => {
    await a?.destroy();
    await b?.destroy();
    if (name) await admin.raw(`DROP DATABASE ${name}`);
    await admin?.destroy();
  });
  beforeEach(() => {
    // counting made slow: without the lock every claim would count before any other is saved
    const count = QuotaStore.prototype.instanceUsage;
    QuotaStore.prototype.instanceUsage = async function slow(this: QuotaStore, ...args: Parameters<typeof count>) {
      const usage = await count.apply(this, args);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return usage;
    };
    restore = () => { QuotaStore.prototype.instanceUsage = count; };
  });
  afterEach(() => restore());

  it('20 concurrent resize claims (+1 core each) from two processes against cores 25 with 20 in use: exactly 5 win', async () => {
    const project = `p-${randomUUID()}`;
    const servers = Array.from({ length: 20 }, () => instance(project, VmState.ACTIVE));
    await new InstanceStore(a).insert(...servers);
    await new QuotaStore(a).setLimits(project, undefined, { cores: 25, ram: -1 });
    const quotas = [new QuotaService(a), new QuotaService(b)];
    const outcomes = await Promise.allSettled(servers.map((s, i) => quotas[i % 2].admitChange(s, upsizeDeltas(TINY, MEDIUM),
      (store) => store.update(s.uuid, { taskState: TaskState.RESIZE_PREP, newFlavor: MEDIUM }, null))));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).to.have.length(15);
    for (const r of refused) {
      expect(r.reason).to.be.instanceOf(QuotaExceeded);
      expect(r.reason.message).to.equal('Quota exceeded for cores: Requested 1, but already used 25 of 25 cores');
    }
    const claimed = await b('instances').where({ project_id: project, task_state: TaskState.RESIZE_PREP }).count({ n: '*' });
    expect(Number(claimed[0].n)).to.equal(5);
    expect((await new QuotaStore(b).instanceUsage(project)).cores).to.equal(25);
  });

  it('12 concurrent restore claims from two processes against instances 3: exactly 3 win', async () => {
    const project = `p-${randomUUID()}`;
    const servers = Array.from({ length: 12 }, () => instance(project, VmState.SOFT_DELETED));
    await new InstanceStore(a).insert(...servers);
    await new QuotaStore(a).setLimits(project, undefined, { instances: 3 });
    const quotas = [new QuotaService(a), new QuotaService(b)];
    const outcomes = await Promise.allSettled(servers.map((s, i) => quotas[i % 2].admitChange(s, restoreDeltas(s.flavor),
      (store) => store.update(s.uuid, { taskState: TaskState.RESTORING }, null))));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).to.have.length(9);
    for (const r of refused) expect(r.reason.message).to.equal('Quota exceeded for instances: Requested 1, but already used 3 of 3 instances');
    expect((await new QuotaStore(b).instanceUsage(project)).instances).to.equal(3);
  });
});
