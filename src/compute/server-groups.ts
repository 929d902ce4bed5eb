import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord } from '../db/stores/instances';
import type { InstanceStore } from '../db/stores/instances';
import { ServerGroupNotFound, ServerGroupPolicy, ServerGroupRecord, ServerGroupRules, ServerGroupStore } from '../db/stores/server-groups';
import { BadRequest, Forbidden } from '../errors';
import { NoValidHost, Scheduler } from '../scheduler/scheduler';
import { rethrowAs } from './rethrow';
import type { QuotaService } from './quotas';

/** /os-server-groups and the `group` scheduler hint (Nova's InstanceGroup, 2.1 view). */
export class ServerGroupService {
  /** with quotas: the project's server_groups quota, counted and inserted under its lock (403 past it) */
  constructor(private readonly groups: ServerGroupStore, private readonly instances: InstanceStore, private readonly quotas?: QuotaService) {}

  /** 2.64: rules only for anti-affinity (Nova: 400 otherwise) */
  async create(auth: AuthContext, name: string, policy: ServerGroupPolicy, rules: ServerGroupRules = {}): Promise<ServerGroupRecord> {
    const projectId = requireProject(auth);
    if (policy !== 'anti-affinity' && Object.keys(rules).length > 0) throw new BadRequest('Only anti-affinity policy supports rules.');
    const uuid = randomUUID();
    const record = { uuid, name, policy, rules, projectId, userId: auth.userId, createdAt: new Date() };
    if (this.quotas) await this.quotas.admitServerGroup(projectId, auth.userId, (trx) => new ServerGroupStore(trx).insert(record));
    else await this.groups.insert(record);
    return this.groups.find(uuid, null);
  }

  /** Nova's InstanceGroup.get_by_uuid: a non-admin sees only its project's groups (404 otherwise). */
  async get(auth: AuthContext, uuid: string): Promise<ServerGroupRecord> {
    return this.groups.find(uuid, auth.isAdmin ? null : requireProject(auth));
  }

  /** own project's groups; every project's for an admin asking with all_projects */
  async list(auth: AuthContext, allProjects: boolean): Promise<ServerGroupRecord[]> {
    return this.groups.list(auth.isAdmin && allProjects ? null : requireProject(auth));
  }

  async delete(auth: AuthContext, uuid: string): Promise<void> {
    const group = await this.get(auth, uuid);
    await this.groups.delete(group.uuid);
  }

  /** The group named by the `group` hint on POST /servers; unknown → 400 (Nova's servers.create). */
  async requested(auth: AuthContext, hint: string | undefined): Promise<ServerGroupRecord | null> {
    if (!hint) return null;
    return this.get(auth, hint).catch(rethrowAs(BadRequest, ServerGroupNotFound));
  }

  /**
   * A host per new instance, honouring the group's policy as earlier picks join it; null where
   * the scheduler found none (that instance goes to ERROR with `noValidHost` as its fault).
   */
  async place(scheduler: Scheduler, group: ServerGroupRecord | null, count: number, only?: readonly string[]): Promise<(string | null)[]> {
    if (!group) {
      const host = await scheduler.selectHost(undefined, only).catch((err: unknown) => { // every host disabled (os-services)
        if (err instanceof NoValidHost) return null;
        throw err;
      });
      return Array.from({ length: count }, () => host);
    }
    const memberHosts = await this.groups.memberHosts(group.uuid);
    const memberCounts = await this.groups.memberHostCounts(group.uuid);
    const hosts: (string | null)[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const host = await scheduler.selectHost({
          policy: group.policy, memberHosts, memberCounts, maxServerPerHost: group.rules.max_server_per_host,
        }, only);
        hosts.push(host);
        if (!memberHosts.includes(host)) memberHosts.push(host);
        memberCounts[host] = (memberCounts[host] ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof NoValidHost)) throw err;
        hosts.push(null);
      }
    }
    return hosts;
  }

  /** Nova adds the members at the API, before scheduling: a server that found no host stays listed. */
  async join(group: ServerGroupRecord | null, instances: readonly InstanceRecord[]): Promise<void> {
    if (group) await this.groups.addMembers(group.uuid, instances.map((i) => i.uuid));
  }

  /** The fault of an instance that found no host (Nova's conductor: NoValidHost, code 500, no details). */
  async failScheduling(uuid: string): Promise<void> {
    await this.instances.setFault(uuid, { code: 500, message: new NoValidHost().message, details: '', createdAt: new Date() });
  }
}

function requireProject(auth: AuthContext): string {
  if (!auth.projectId) throw new Forbidden('A project-scoped token is required.');
  return auth.projectId;
}
