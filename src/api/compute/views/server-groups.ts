import type { ServerGroupRecord } from '../../../db/stores/server-groups';
import type { Microversion } from '../../microversion';

/**
 * Nova's _format_server_group: id is the uuid; before 2.64 policies is a one-item list and
 * metadata always {}, from 2.64 `policy` and `rules`; project_id and user_id from 2.13.
 */
export function serverGroupView(g: ServerGroupRecord, version?: Microversion) {
  const policy = version?.atLeast('2.64')
    ? { policy: g.policy, rules: { ...g.rules } }
    : { policies: [g.policy], metadata: {} };
  const owner = version?.atLeast('2.13') ? { project_id: g.projectId, user_id: g.userId } : {};
  return { id: g.uuid, name: g.name, ...policy, members: [...g.members], ...owner };
}
