import type { Knex } from 'knex';
import { BadRequest, Forbidden } from '../errors';
import type { IdentityStore } from '../db/stores/identity';
import type { FlavorSnapshot, InstanceRecord } from '../db/stores/instances';
import { InstanceStore } from '../db/stores/instances';
import { ServerGroupStore } from '../db/stores/server-groups';
import { QuotaRows, QuotaStore } from '../db/stores/quotas';
import { QUOTA_DEFAULTS, QUOTA_RESOURCES, QuotaResource, QuotaValues } from './limits';
import { checkMetadataQuota } from './request-checks';

/** Nova's OverQuota family as the compute API answers it: 403 with the exception's message. */
export class QuotaExceeded extends Forbidden {}

export interface QuotaUsage {
  readonly limit: number;
  readonly in_use: number;
  readonly reserved: number;
}

export interface InstanceAdmission {
  readonly projectId: string;
  readonly userId: string;
  readonly flavor: Pick<FlavorSnapshot, 'vcpus' | 'memoryMb'>;
  readonly minCount: number;
  readonly maxCount: number;
  /** the server group the new servers join (server_group_members quota) */
  readonly groupUuid?: string | null;
}

export type Deltas = Partial<Record<'instances' | 'cores' | 'ram', number>>;

type Sized = Pick<FlavorSnapshot, 'vcpus' | 'memoryMb'>;

/** Nova's upsize_quota_delta: the growth in cores and RAM from one flavor to another (none for a downsize). */
export function upsizeDeltas(current: Sized, target: Sized): Deltas {
  const deltas: Deltas = {};
  if (target.vcpus > current.vcpus) deltas.cores = target.vcpus - current.vcpus;
  if (target.memoryMb > current.memoryMb) deltas.ram = target.memoryMb - current.memoryMb;
  return deltas;
}

/** Nova's restore check (check_num_instances_quota(1, 1)): a soft-deleted server counts again once restored. */
export function restoreDeltas(flavor: Sized): Deltas {
  return { instances: 1, cores: flavor.vcpus, ram: flavor.memoryMb };
}
const INSTANCE_RESOURCES = ['instances', 'cores', 'ram'] as const;

/** -1 (or below) is unlimited, as in Nova's _is_unlimited_value */
const unlimited = (v: number) => v <= -1;

/**
 * Nova's DbQuotaDriver, counting usage from the rows themselves (no reservations): effective
 * limits are user row → project row → 'default' class → built-in default. Creates that consume
 * quota count and insert inside one transaction per project (QuotaStore.locked), so concurrent
 * requests, in one process or in several sharing the database, never overshoot a limit.
 */
export class QuotaService {
  private readonly store: QuotaStore;

  constructor(private readonly db: Knex, private readonly identity?: IdentityStore) {
    this.store = new QuotaStore(db);
  }

  // ---- reading limits ----

  /** Nova's get_defaults: the 'default' class over the built-in defaults */
  async defaults(store = this.store): Promise<QuotaValues> {
    return { ...QUOTA_DEFAULTS, ...(await store.classLimits('default')) };
  }

  /** Nova's get_class_quotas: a class's rows over the built-in defaults */
  async classQuotas(className: string): Promise<QuotaValues> {
    return { ...QUOTA_DEFAULTS, ...(await this.store.classLimits(className)) };
  }

  /** a project's effective limits, or a user's within it (the user's rows over the project's) */
  async effective(projectId: string, userId?: string, store = this.store): Promise<QuotaValues> {
    const project = await store.limits(projectId);
    const user = userId === undefined ? {} : await store.limits(projectId, userId);
    return { ...(await this.defaults(store)), ...project, ...user };
  }

  /** Nova's _get_usages: instances, cores, ram and server groups are counted; the rest shows 0 */
  async usages(projectId: string, userId?: string, store = this.store): Promise<QuotaValues> {
    const inUse = Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as QuotaValues;
    Object.assign(inUse, await store.instanceUsage(projectId, userId));
    inUse.server_groups = await store.serverGroupCount(projectId, userId);
    return inUse;
  }

  /** the detailed view (os-quota-sets/{id}/detail) and GET /limits' source */
  async detail(projectId: string, userId?: string): Promise<Record<QuotaResource, QuotaUsage>> {
    const limits = await this.effective(projectId, userId);
    const inUse = await this.usages(projectId, userId);
    return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], in_use: inUse[r], reserved: 0 }])) as Record<QuotaResource, QuotaUsage>;
  }

  /** Nova's identity.verify_project_id: 400 for a project keystone does not know */
  async verifyProject(projectId: string): Promise<void> {
    if (this.identity && !(await this.identity.findProject({ id: projectId }))) {
      throw new BadRequest(`Project ID ${projectId} is not a valid project.`);
    }
  }

  // ---- os-quota-sets / os-quota-class-sets writes ----

  /**
   * Nova's QuotaSetsController._update: without force, each new limit must lie in the settable
   * range (at least what is in use — and, for a project, what its users' limits add up to; for a
   * user, at most what the project has left); all are checked before any is written.
   */
  async update(projectId: string, userId: string | undefined, values: Partial<Record<QuotaResource, number>>, force: boolean): Promise<void> {
    if (!force) {
      const settable = await this.settable(projectId, userId);
      for (const [resource, limit] of Object.entries(values) as [QuotaResource, number][]) {
        const { minimum, maximum } = settable[resource];
        const inf = (v: number) => (v === -1 ? Infinity : v);
        if (inf(limit) < inf(minimum)) {
          throw new BadRequest(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${minimum}.`);
        }
        if (inf(limit) > inf(maximum)) throw new BadRequest(`Quota limit ${limit} for ${resource} must be less than or equal to ${maximum}.`);
      }
    }
    await this.store.setLimits(projectId, userId, values);
  }

  async delete(projectId: string, userId?: string): Promise<void> {
    await this.store.deleteLimits(projectId, userId);
  }

  async updateClass(className: string, values: Partial<Record<QuotaResource, number>>): Promise<void> {
    await this.store.setClassLimits(className, values);
  }

  /** Nova's DbQuotaDriver.get_settable_quotas */
  private async settable(projectId: string, userId?: string): Promise<Record<QuotaResource, { minimum: number; maximum: number }>> {
    const project = await this.effective(projectId);
    const userSums = await this.store.userLimitSums(projectId);
    const sub = (a: number, b: number) => (unlimited(a) || unlimited(b) ? -1 : a - b);
    const sum = (a: number, b: number) => (unlimited(a) || unlimited(b) ? -1 : a + b);
    const remains = (r: QuotaResource) => project[r] - (userSums[r] ?? 0);
    const out = {} as Record<QuotaResource, { minimum: number; maximum: number }>;
    if (userId !== undefined) {
      const userRows = await this.store.limits(projectId, userId);
      const inUse = await this.usages(projectId, userId);
      for (const r of QUOTA_RESOURCES) out[r] = { minimum: inUse[r], maximum: sum(remains(r), userRows[r] ?? 0) };
    } else {
      const inUse = await this.usages(projectId);
      for (const r of QUOTA_RESOURCES) out[r] = { minimum: Math.max(sub(project[r], remains(r)), inUse[r]), maximum: -1 };
    }
    return out;
  }

  // ---- enforcement ----

  /**
   * Server create (Nova's check_num_instances_quota, then the group's server_group_members):
   * within the project's lock, counts usage, settles how many of min..max instances fit, builds
   * that many records and inserts them (and their group membership). Throws 403 when fewer than
   * minCount fit.
   */
  async admitInstances(req: InstanceAdmission, build: (count: number) => InstanceRecord[]): Promise<InstanceRecord[]> {
    return this.store.locked(`project:${req.projectId}`, async (trx) => {
      const store = new QuotaStore(trx);
      const count = await this.instancesAllowed(store, req);
      if (req.groupUuid) {
        const limits = await this.effective(req.projectId, req.userId, store);
        const members = await store.groupMemberCount(req.groupUuid, req.userId);
        if (!unlimited(limits.server_group_members) && members + count > limits.server_group_members) {
          throw new QuotaExceeded('Quota exceeded, too many servers in group');
        }
      }
      const records = build(count);
      await new InstanceStore(trx).insert(...records);
      if (req.groupUuid) await new ServerGroupStore(trx).addMembers(req.groupUuid, records.map((r) => r.uuid));
      return records;
    });
  }

  /**
   * A quota-checked change of an existing server (resize, revert of a downsize, restore): checks
   * `deltas` and runs `claim` in one transaction under the project's lock, as create does. `claim`
   * gets the transaction's InstanceStore and saves the claimed task_state together with what the
   * usage count reads from it (the new flavor, the restoring task — QuotaStore.instanceUsage), so
   * the next check under the lock counts this change. Throws Nova's 403 TooManyInstances when the
   * deltas do not fit; returns what `claim` returned (false: the server changed meanwhile). With no
   * growth nothing is consumed and no lock is taken.
   */
  async admitChange(instance: Pick<InstanceRecord, 'projectId' | 'userId'>, deltas: Deltas,
    claim: (instances: InstanceStore) => Promise<boolean>): Promise<boolean> {
    if (!Object.values(deltas).some((d) => d > 0)) return claim(new InstanceStore(this.db));
    return this.store.locked(`project:${instance.projectId}`, async (trx) => {
      const over = await this.overInstanceQuota(new QuotaStore(trx), instance.projectId, instance.userId, deltas);
      if (over) throw tooManyInstances(over.overs, deltas, over.usages, over.quotas);
      return claim(new InstanceStore(trx));
    });
  }

  /** Nova's _check_metadata_properties_quota with the project's metadata_items limit (403). */
  async checkMetadata(projectId: string, metadata: Record<string, string> | undefined): Promise<void> {
    if (!metadata || Object.keys(metadata).length === 0) return;
    checkMetadataQuota(metadata, (await this.effective(projectId)).metadata_items);
  }

  /** A server group create: counted and inserted under the project's lock (403 past server_groups). */
  async admitServerGroup(projectId: string, userId: string, insert: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    await this.store.locked(`project:${projectId}`, async (trx) => {
      const store = new QuotaStore(trx);
      const project = await this.effective(projectId, undefined, store);
      const user = await this.effective(projectId, userId, store);
      const used = await store.serverGroupCount(projectId);
      const usedByUser = await store.serverGroupCount(projectId, userId);
      if ((!unlimited(project.server_groups) && used + 1 > project.server_groups)
        || (!unlimited(user.server_groups) && usedByUser + 1 > user.server_groups)) {
        throw new QuotaExceeded('Quota exceeded, too many server groups.');
      }
      await insert(trx);
    });
  }

  /** A key pair create: the user's key pairs against key_pairs, counted and inserted under the user's lock. */
  async admitKeypair(projectId: string | null, userId: string, insert: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    await this.store.locked(`user:${userId}`, async (trx) => {
      const store = new QuotaStore(trx);
      const limit = projectId ? (await this.effective(projectId, userId, store)).key_pairs : (await this.defaults(store)).key_pairs;
      if (!unlimited(limit) && (await store.keypairCount(userId)) + 1 > limit) throw new QuotaExceeded('Quota exceeded, too many key pairs.');
      await insert(trx);
    });
  }

  /** Nova's check_num_instances_quota: max_count if it fits, else the most that fit if ≥ min_count, else 403. */
  private async instancesAllowed(store: QuotaStore, req: InstanceAdmission): Promise<number> {
    const { flavor, minCount } = req;
    let maxCount = req.maxCount;
    for (;;) {
      const deltas: Deltas = { instances: maxCount, cores: maxCount * flavor.vcpus, ram: maxCount * flavor.memoryMb };
      const over = await this.overInstanceQuota(store, req.projectId, req.userId, deltas);
      if (!over) return maxCount;
      const headroom = (r: 'instances' | 'cores' | 'ram') => (unlimited(over.quotas[r]) ? Infinity : over.quotas[r] - over.usages[r]);
      let allowed = headroom('instances');
      if (flavor.vcpus) allowed = Math.min(allowed, Math.floor(headroom('cores') / flavor.vcpus));
      if (flavor.memoryMb) allowed = Math.min(allowed, Math.floor(headroom('ram') / flavor.memoryMb));
      if (allowed > 0 && minCount <= allowed && allowed < maxCount) {
        maxCount = allowed;
        continue;
      }
      const requested = {
        instances: minCount === req.maxCount ? `${minCount}` : `${minCount}-${req.maxCount}`,
        cores: req.maxCount * flavor.vcpus, ram: req.maxCount * flavor.memoryMb,
      };
      throw tooManyInstances(over.overs, requested, over.usages, over.quotas);
    }
  }

  /**
   * Nova's Quotas.check_deltas for instances/cores/ram: the project's usage plus the deltas against
   * its limits, and the user's against the user's limits when the user has any of those set.
   */
  private async overInstanceQuota(store: QuotaStore, projectId: string, userId: string, deltas: Deltas)
    : Promise<{ overs: string[]; quotas: QuotaValues; usages: Record<string, number> } | null> {
    const userRows = await store.limits(projectId, userId);
    const perUser = INSTANCE_RESOURCES.some((r) => userRows[r] !== undefined);
    const projectLimits = await this.effective(projectId, undefined, store);
    const projectUsage = await store.instanceUsage(projectId);
    const overs: string[] = [];
    for (const [r, d] of Object.entries(deltas) as ['instances' | 'cores' | 'ram', number][]) {
      if (!unlimited(projectLimits[r]) && projectUsage[r] + d > projectLimits[r]) overs.push(r);
    }
    if (overs.length) return { overs: overs.sort(), quotas: projectLimits, usages: { ...projectUsage } };
    if (!perUser) return null;
    const userLimits = { ...projectLimits, ...(userRows as QuotaRows) } as QuotaValues;
    const userUsage = await store.instanceUsage(projectId, userId);
    for (const [r, d] of Object.entries(deltas) as ['instances' | 'cores' | 'ram', number][]) {
      if (!unlimited(userLimits[r]) && userUsage[r] + d > userLimits[r]) overs.push(r);
    }
    return overs.length ? { overs: overs.sort(), quotas: userLimits, usages: { ...userUsage } } : null;
  }
}

/** Nova's TooManyInstances: "Quota exceeded for cores, ram: Requested 2, 1024, but already used 1, 512 of 2, 1024 cores, ram" */
function tooManyInstances(overs: string[], requested: Record<string, number | string>, usages: Record<string, number>, quotas: QuotaValues): QuotaExceeded {
  const list = (f: (r: string) => string | number) => overs.map(f).join(', ');
  const names = overs.join(', ');
  return new QuotaExceeded(`Quota exceeded for ${names}: Requested ${list((r) => requested[r])}, but already used ${list((r) => usages[r])} of ${list((r) => quotas[r as QuotaResource])} ${names}`);
}
