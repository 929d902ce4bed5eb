import type { ServerGroupRecord } from '../../../db/stores/server-groups';

/** Nova's _format_server_group before 2.13: id is the uuid, policies a one-item list, metadata always {}. */
export function serverGroupView(g: ServerGroupRecord) {
  return { id: g.uuid, name: g.name, policies: [g.policy], members: [...g.members], metadata: {} };
}
