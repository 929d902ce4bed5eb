import { BadRequest, Forbidden } from '../errors';
import { QUOTA_DEFAULTS } from './limits';

/** A requested network, as POST /servers' `networks` list gives it. */
export interface RequestedNetwork {
  readonly uuid?: string;
  readonly fixed_ip?: string;
  readonly port?: string | null;
}

/**
 * The one network every server joins: the engine's default bridge, shown as "private". Its id is
 * fixed so that `networks: [{"uuid": ...}]` naming it works from any client.
 */
export const DEFAULT_NETWORK = { id: '4d5a0a5c-6b1e-5f2e-9c1a-6e6f76617368', label: 'private' } as const;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Nova's answers for networks it cannot give: no ports without neutron, 400 for unknown networks. */
export function checkRequestedNetworks(networks: readonly RequestedNetwork[] | string | undefined): void {
  if (!Array.isArray(networks)) return; // absent, "auto" and "none" need no lookup
  for (const net of networks) {
    if (net.port) throw new BadRequest('Unknown argument: port');
    if (net.uuid === undefined) throw new BadRequest('Bad network format: missing uuid');
    if (!UUID.test(net.uuid)) throw new BadRequest(`Bad networks format: network uuid is not in proper format (${net.uuid})`);
    if (net.uuid.replace(/-/g, '').toLowerCase() !== DEFAULT_NETWORK.id.replace(/-/g, '')) {
      throw new BadRequest(`Network ${net.uuid} could not be found.`);
    }
  }
}

/** Only the "default" security group exists: containers are isolated by the engine, not by rules. */
export function checkSecurityGroups(groups: readonly { name?: string }[] | undefined, projectId: string): void {
  for (const group of groups ?? []) {
    if (group.name !== 'default') throw new BadRequest(`Security group ${group.name} not found for project ${projectId}.`);
  }
}

/**
 * Nova's metadata_items quota: 403 when a server would carry more items than `limit` (-1:
 * unlimited). Pass the project's limit: `await services.quotas.checkMetadata(projectId, metadata)`
 * looks it up and calls this; without a limit the built-in default applies.
 */
export function checkMetadataQuota(metadata: Record<string, string> | undefined, limit: number = QUOTA_DEFAULTS.metadata_items): void {
  const count = Object.keys(metadata ?? {}).length;
  if (limit >= 0 && count > limit) throw new Forbidden(`Maximum number of metadata items exceeds ${limit}`);
}

/** IPv6 in RFC 5952's canonical form (`::babe:dc0c:1602`), as Nova stores accessIPv6. */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
