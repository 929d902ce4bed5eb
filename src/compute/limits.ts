/**
 * Nova's default quota limits. Shown by GET /limits with the project's usage; enforcing them on
 * create is the quota work still to come (issue 5), so they are informative for now.
 */
export const DEFAULT_LIMITS = {
  instances: 10, cores: 20, ram: 51200, keyPairs: 100, metadataItems: 128, serverGroups: 10, serverGroupMembers: 10,
  securityGroups: 10, securityGroupRules: 20, floatingIps: 10, injectedFiles: 5, injectedFileContentBytes: 10240,
} as const;
