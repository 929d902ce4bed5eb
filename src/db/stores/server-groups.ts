import type { Knex } from 'knex';
import { NotFound } from '../../errors';

/** soft-* from 2.15 */
export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

/** Nova's InstanceGroup.rules (2.64): only anti-affinity's max_server_per_host */
export interface ServerGroupRules {
  readonly max_server_per_host?: number;
}

export interface ServerGroupRecord {
  readonly uuid: string;
  readonly name: string;
  readonly projectId: string;
  readonly userId: string;
  readonly policy: ServerGroupPolicy;
  readonly rules: ServerGroupRules;
  readonly createdAt: Date;
  /** the live (not deleted) member servers, oldest membership first */
  readonly members: string[];
}

/** Nova's InstanceGroupNotFound (404 on /os-server-groups, 400 as a scheduler hint). */
export class ServerGroupNotFound extends NotFound {
  constructor(uuid: string) {
    super(`Instance group ${uuid} could not be found.`);
  }
}

/** server_groups and server_group_members. Members whose instance is deleted are not shown. */
export class ServerGroupStore {
  constructor(private readonly db: Knex) {}

  async insert(g: Omit<ServerGroupRecord, 'members' | 'rules'> & { rules?: ServerGroupRules }): Promise<void> {
    const rules = g.rules && Object.keys(g.rules).length > 0 ? JSON.stringify(g.rules) : null;
    await this.db('server_groups').insert({
      uuid: g.uuid, name: g.name, project_id: g.projectId, user_id: g.userId, policy: g.policy, rules, created_at: g.createdAt.getTime(),
    });
  }

  /** projectId null: any project's group (admins) */
  async find(uuid: string, projectId: string | null): Promise<ServerGroupRecord> {
    const q = this.db('server_groups').where({ uuid });
    if (projectId !== null) q.andWhere({ project_id: projectId });
    const row = await q.first();
    if (!row) throw new ServerGroupNotFound(uuid);
    return (await this.withMembers([row]))[0];
  }

  /** projectId null: every project's groups */
  async list(projectId: string | null): Promise<ServerGroupRecord[]> {
    const q = this.db('server_groups').orderBy('id');
    if (projectId !== null) q.where({ project_id: projectId });
    return this.withMembers(await q);
  }

  async delete(uuid: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('server_group_members').where({ group_uuid: uuid }).delete();
      const n = await trx('server_groups').where({ uuid }).delete();
      if (n === 0) throw new ServerGroupNotFound(uuid);
    });
  }

  async addMembers(uuid: string, instanceUuids: readonly string[]): Promise<void> {
    if (instanceUuids.length === 0) return;
    await this.db('server_group_members').insert(instanceUuids.map((i) => ({ group_uuid: uuid, instance_uuid: i })));
  }

  async removeMember(instanceUuid: string): Promise<void> {
    await this.db('server_group_members').where({ instance_uuid: instanceUuid }).delete();
  }

  /** the hosts the group's live members run on (null: not placed, e.g. failed scheduling) */
  async memberHosts(uuid: string): Promise<string[]> {
    const rows = await this.db('server_group_members as m').join('instances as i', 'i.uuid', 'm.instance_uuid')
      .where('m.group_uuid', uuid).whereNull('i.deleted_at').whereNotNull('i.host').select('i.host');
    return [...new Set(rows.map((r: { host: string }) => r.host))];
  }

  /** how many live members of the group each host runs */
  async memberHostCounts(uuid: string): Promise<Record<string, number>> {
    const rows = await this.db('server_group_members as m').join('instances as i', 'i.uuid', 'm.instance_uuid')
      .where('m.group_uuid', uuid).whereNull('i.deleted_at').whereNotNull('i.host').select('i.host');
    const counts: Record<string, number> = {};
    for (const r of rows as { host: string }[]) counts[r.host] = (counts[r.host] ?? 0) + 1;
    return counts;
  }

  private async withMembers(rows: Record<string, any>[]): Promise<ServerGroupRecord[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (rows.length === 0) return [];
    const members = await this.db('server_group_members as m').join('instances as i', 'i.uuid', 'm.instance_uuid')
      .whereIn('m.group_uuid', rows.map((r) => r.uuid)).whereNull('i.deleted_at')
      .orderBy('i.created_at').orderBy('i.launch_index').select('m.group_uuid', 'm.instance_uuid');
    return rows.map((row) => ({
      uuid: row.uuid, name: row.name, projectId: row.project_id, userId: row.user_id, policy: row.policy,
      rules: row.rules ? JSON.parse(row.rules) : {},
      createdAt: new Date(Number(row.created_at)),
      members: members.filter((m: { group_uuid: string }) => m.group_uuid === row.uuid).map((m: { instance_uuid: string }) => m.instance_uuid),
    }));
  }
}
