/**
 * Nova's quota resources (nova/quota.py QUOTAS, in its order) and their built-in defaults
 * (nova.conf [quota]; the nova-network ones are -1, unlimited, since they are not enforced).
 * The 'default' quota class (os-quota-class-sets/default) overrides these; see compute/quotas.ts.
 */
export const QUOTA_DEFAULTS = {
  instances: 10, cores: 20, ram: 51200, metadata_items: 128, injected_files: 5, injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255, key_pairs: 100, server_groups: 10, server_group_members: 10,
  fixed_ips: -1, floating_ips: -1, security_groups: -1, security_group_rules: -1,
} as const;

export type QuotaResource = keyof typeof QUOTA_DEFAULTS;
export const QUOTA_RESOURCES = Object.keys(QUOTA_DEFAULTS) as QuotaResource[];
export type QuotaValues = Record<QuotaResource, number>;

/** The nova-network quotas hidden from 2.36 (quota sets, limits) and 2.50 (quota classes) on. */
export const NETWORK_QUOTAS: readonly QuotaResource[] = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
/** The personality-file quotas hidden from 2.57 on. */
export const INJECTED_FILE_QUOTAS: readonly QuotaResource[] = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/**
 * The built-in defaults under their old names, for code that has no project at hand (e.g. image
 * metadata on createImage). Quota-aware code asks QuotaService for the project's effective limits.
 */
export const DEFAULT_LIMITS = {
  instances: QUOTA_DEFAULTS.instances, cores: QUOTA_DEFAULTS.cores, ram: QUOTA_DEFAULTS.ram, keyPairs: QUOTA_DEFAULTS.key_pairs,
  metadataItems: QUOTA_DEFAULTS.metadata_items, serverGroups: QUOTA_DEFAULTS.server_groups, serverGroupMembers: QUOTA_DEFAULTS.server_group_members,
  securityGroups: QUOTA_DEFAULTS.security_groups, securityGroupRules: QUOTA_DEFAULTS.security_group_rules, floatingIps: QUOTA_DEFAULTS.floating_ips,
  injectedFiles: QUOTA_DEFAULTS.injected_files, injectedFileContentBytes: QUOTA_DEFAULTS.injected_file_content_bytes,
} as const;
