import type { DriverState } from '../driver';

/** what a spawn leaves in instances.driver_state */
export interface DockerStateV1 {
  readonly v: 1;
  readonly containerId: string;
  /** the pinned address on the private network, kept by a re-spawn (see DriverInstance.fixedIps) */
  readonly fixedIps?: readonly string[];
  /** while rescued: the rescue container, which then stands for the instance (see rescue.ts) */
  readonly rescueContainerId?: string;
}

export function rescueIdOf(state: DriverState | null): string | null {
  const id = state?.v === 1 ? (state as Partial<DockerStateV1>).rescueContainerId : undefined;
  return typeof id === 'string' && id !== '' ? id : null;
}

export function containerIdOf(state: DriverState | null): string | null {
  if (state?.v !== 1) return null;
  const id = (state as Partial<DockerStateV1>).containerId;
  return typeof id === 'string' && id !== '' ? id : null;
}
