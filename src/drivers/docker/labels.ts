import { createHash } from 'node:crypto';

/**
 * Ownership labels. Every container the driver creates carries them, so listInstances (and a
 * later reconciler) can tell our containers from anything else running on the same engine.
 */
export const INSTANCE_LABEL = 'org.openstack.novashim.instance';
export const PROJECT_LABEL = 'org.openstack.novashim.project';

export type Labels = Readonly<Record<string, string>>;

export function ownershipLabels(instanceUuid: string, projectId: string): Record<string, string> {
  return { [INSTANCE_LABEL]: instanceUuid, [PROJECT_LABEL]: projectId };
}

/** true when the labels mark a container created by this driver (for any instance) */
export function isOurs(labels: Labels | null | undefined): boolean {
  return typeof labels?.[INSTANCE_LABEL] === 'string' && labels[INSTANCE_LABEL] !== '';
}

/** the instance UUID a container belongs to, or null when it is not ours */
export function instanceUuidOf(labels: Labels | null | undefined): string | null {
  return isOurs(labels) ? labels![INSTANCE_LABEL] : null;
}

/** engine-side filter (`label=<key>`) selecting only our containers */
export const OWNED_FILTER = { label: [INSTANCE_LABEL] };

/**
 * The deployment a container was made for (a novashim database): several novashims may share one
 * engine, and only a container with this deployment's value is ever treated as an orphan of it.
 */
export const DEPLOYMENT_LABEL = 'org.openstack.novashim.deployment';

/** a stable deployment value from the database URL (credentials left out), the same across restarts */
export function deploymentOf(databaseUrl: string): string {
  const withoutCredentials = databaseUrl.replace(/\/\/[^@/]*@/, '//');
  return createHash('sha256').update(withoutCredentials).digest('hex').slice(0, 16);
}
