import type { Knex } from 'knex';
import { QUOTA_RESOURCES, QuotaResource } from '../../compute/limits';
import { TaskState, VmState } from '../../compute/states';

export type QuotaRows = Partial<Record<QuotaResource, number>>;

/** such instances are not counted against quota (Nova's InstanceList.get_counts) */
const SOFT_DELETED = VmState.SOFT_DELETED;
/** the task_states in which an instance's new_flavor is claimed (a resize or a revert under way) */
const RESIZING: readonly TaskState[] = [TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING, TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH, TaskState.RESIZE_REVERTING];

export interface InstanceUsage {
  readonly instances: number;
  readonly cores: number;
  readonly ram: number;
}

const known = (resource: string): resource is QuotaResource => (QUOTA_RESOURCES as string[]).includes(resource);

function toRows(rows: { resource: string; hard_limit: number | string }[]): QuotaRows {
  const out: QuotaRows = {};
  for (const r of rows) if (known(r.resource)) out[r.resource] = Number(r.hard_limit);
  return out;
}

/**
 * quotas, quota_classes and quota_locks, plus the usage counts quota checks need. Build one on a
 * transaction (new QuotaStore(trx)) to count inside a quota lock.
 */
export class QuotaStore {
  constructor(private readonly db: Knex) {}

  /** the project's own limits (userId undefined) or one user's limits within it */
  async limits(projectId: string, userId?: string): Promise<QuotaRows> {
    return toRows(await this.db('quotas').where({ project_id: projectId, user_id: userId ?? '' }).select('resource', 'hard_limit'));
  }

  /** every per-user row of a project (for the settable range of a project limit) */
  async userLimitSums(projectId: string): Promise<QuotaRows> {
    return toRows(await this.db('quotas').where({ project_id: projectId }).whereNot({ user_id: '' })
      .groupBy('resource').select('resource').sum({ hard_limit: 'hard_limit' }));
  }

  async setLimits(projectId: string, userId: string | undefined, values: QuotaRows): Promise<void> {
    const rows = Object.entries(values).map(([resource, limit]) => ({ project_id: projectId, user_id: userId ?? '', resource, hard_limit: limit }));
    if (rows.length) await this.db('quotas').insert(rows).onConflict(['project_id', 'user_id', 'resource']).merge(['hard_limit']);
  }

  /** Nova's destroy_all_by_project (every user's rows too) or destroy_all_by_project_and_user */
  async deleteLimits(projectId: string, userId?: string): Promise<void> {
    const q = this.db('quotas').where({ project_id: projectId });
    if (userId !== undefined) q.andWhere({ user_id: userId });
    await q.delete();
  }

  async classLimits(className: string): Promise<QuotaRows> {
    return toRows(await this.db('quota_classes').where({ class_name: className }).select('resource', 'hard_limit'));
  }

  async setClassLimits(className: string, values: QuotaRows): Promise<void> {
    const rows = Object.entries(values).map(([resource, limit]) => ({ class_name: className, resource, hard_limit: limit }));
    if (rows.length) await this.db('quota_classes').insert(rows).onConflict(['class_name', 'resource']).merge(['hard_limit']);
  }

  /**
   * Runs `work` in a transaction that first takes the scope's lock row (an UPDATE: a row lock on
   * PostgreSQL/MySQL held to commit; on SQLite the database write lock, taken before any read).
   * Concurrent callers for the same scope (in this process or another one on the same database)
   * run one after the other, each seeing what the previous one committed.
   */
  async locked<T>(scope: string, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    await this.db('quota_locks').insert({ scope, generation: 0 }).onConflict('scope').ignore();
    return this.db.transaction(async (trx) => {
      await trx('quota_locks').where({ scope }).increment('generation', 1);
      return work(trx);
    });
  }

  /**
   * Nova's InstanceList.get_counts: live, not soft-deleted instances of a project (or of one user in
   * it). Claims count too, so that concurrent quota checks see each other (compute/quotas.ts
   * admitChange): a soft-deleted server being restored counts, and a server being resized or
   * reverted counts at the larger of its flavor and the flavor it is moving to.
   */
  async instanceUsage(projectId: string, userId?: string): Promise<InstanceUsage> {
    const q = this.db('instances').where({ project_id: projectId }).whereNull('deleted_at')
      .where((w) => w.whereNot('vm_state', SOFT_DELETED).orWhere('task_state', TaskState.RESTORING));
    if (userId !== undefined) q.andWhere({ user_id: userId });
    const rows: { flavor_json: string; new_flavor_json: string | null; task_state: string | null }[] = await q.select('flavor_json', 'new_flavor_json', 'task_state');
    let cores = 0;
    let ram = 0;
    for (const row of rows) {
      const flavor = JSON.parse(row.flavor_json) as { vcpus: number; memoryMb: number };
      const moving = row.new_flavor_json && RESIZING.includes(row.task_state as TaskState)
        ? JSON.parse(row.new_flavor_json) as { vcpus: number; memoryMb: number } : flavor;
      cores += Math.max(Number(flavor.vcpus), Number(moving.vcpus));
      ram += Math.max(Number(flavor.memoryMb), Number(moving.memoryMb));
    }
    return { instances: rows.length, cores, ram };
  }

  async serverGroupCount(projectId: string, userId?: string): Promise<number> {
    const q = this.db('server_groups').where({ project_id: projectId });
    if (userId !== undefined) q.andWhere({ user_id: userId });
    return count(await q.count({ n: '*' }));
  }

  /** Nova's _server_group_count_members_by_user: the group's live members owned by the user */
  async groupMemberCount(groupUuid: string, userId: string): Promise<number> {
    return count(await this.db('server_group_members as m').join('instances as i', 'i.uuid', 'm.instance_uuid')
      .where('m.group_uuid', groupUuid).andWhere('i.user_id', userId).whereNull('i.deleted_at').count({ n: '*' }));
  }

  async keypairCount(userId: string): Promise<number> {
    return count(await this.db('keypairs').where({ user_id: userId }).count({ n: '*' }));
  }
}

function count(rows: { n: number | string }[]): number {
  return Number(rows[0]?.n ?? 0);
}
